// FAKE for tests and the local demo: how the fake XNAT server writes its answers (result
// sets, error pages, ZIP archives of header-only DICOM files). This is not XNAT.
import { escapeXml } from './fake-xnat-xml.js';

/** One result-set row: column key to string value, in column order. */
export type Row = Record<string, string>;

/**
 * XNAT's JSON table representation: `{"ResultSet":{"Result":[...], "k": "v","k2": "v2"}}`,
 * every value a string, the parameters (totalRecords, title, rootElementName) after the
 * rows in the spacing xnat-web writes them; search results carry a "Columns" array first.
 */
export function resultSetJson(rows: readonly Row[], params: readonly (readonly [string, string])[], columns?: readonly Readonly<Record<string, string>>[]): string {
  const head = columns ? `{"ResultSet":{"Columns":${JSON.stringify(columns)},"Result":[` : '{"ResultSet":{"Result":[';
  const tail = params.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',');
  return `${head}${rows.map((r) => JSON.stringify(r)).join(',')}]${tail ? `, ${tail}` : ''}}}`;
}

/** XNAT's XML table representation (`<ResultSet><results><columns>...<rows>...`). */
export function resultSetXml(rows: readonly Row[], keys: readonly string[], params: readonly (readonly [string, string])[]): string {
  const attrs = params.map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const columns = keys.map((k) => `<column>${escapeXml(k)}</column>`).join('');
  const body = rows.map((r) => `<row>${keys.map((k) => `<cell>${escapeXml(r[k] ?? '')}</cell>`).join('')}</row>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ResultSet${attrs}>\n<results>\n<columns>${columns}</columns>\n<rows>\n${body}\n</rows>\n</results>\n</ResultSet>\n`;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function resultSetCsv(rows: readonly Row[], keys: readonly string[]): string {
  return [keys.map(csvCell).join(','), ...rows.map((r) => keys.map((k) => csvCell(r[k] ?? '')).join(','))].join('\n') + '\n';
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function resultSetHtml(rows: readonly Row[], keys: readonly string[], title: string): string {
  const head = keys.map((k) => `<th>${escapeHtml(k)}</th>`).join('');
  const body = rows.map((r) => `<tr>${keys.map((k) => `<td>${escapeHtml(r[k] ?? '')}</td>`).join('')}</tr>`).join('\n');
  return `<html><head><title>${escapeHtml(title)}</title></head><body><table class="x_rs_t" cellpadding="0" cellspacing="0">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></body></html>\n`;
}

/** The keys of rows in first-seen order. */
export function keysOf(rows: readonly Row[], fallback: readonly string[] = []): string[] {
  const keys = new Set<string>(fallback);
  for (const row of rows) for (const k of Object.keys(row)) keys.add(k);
  return [...keys];
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

/** The status page Restlet writes for a resource's error status (XNAT's /data resources). */
export function restletStatusPage(status: number, message?: string): string {
  const reason = reasonPhrase(status);
  return `<html>\n<head>\n   <title>Status page</title>\n</head>\n<body style="font-family: sans-serif;">\n<p style="font-size: 1.2em;font-weight: bold;margin: 1em 0px;">${escapeHtml(message ?? reason)}</p>\n<p>You can get technical details <a href="http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html">here</a>.<br>\nPlease continue your visit at our <a href="/">home page</a>.\n</p>\n</body>\n</html>\n`;
}

/** Tomcat's error report page, as XNAT sends for an unhandled exception or a container error. */
export function tomcatErrorPage(status: number, message: string): string {
  const reason = reasonPhrase(status);
  return `<!doctype html><html lang="en"><head><title>HTTP Status ${status} – ${reason}</title><style type="text/css">body {font-family:Tahoma,Arial,sans-serif;} h1, h2, h3, b {color:white;background-color:#525D76;} h1 {font-size:22px;} h2 {font-size:16px;} h3 {font-size:14px;} p {font-size:12px;} a {color:black;} .line {height:1px;background-color:#525D76;border:none;}</style></head><body><h1>HTTP Status ${status} – ${reason}</h1><hr class="line" /><p><b>Type</b> ${status >= 500 ? 'Exception Report' : 'Status Report'}</p><p><b>Message</b> ${escapeHtml(message)}</p><p><b>Description</b> ${status >= 500 ? 'The server encountered an unexpected condition that prevented it from fulfilling the request.' : 'The request has not been applied because it lacks valid authentication credentials for the target resource.'}</p><hr class="line" /><h3>Apache Tomcat/9.0.83</h3></body></html>`;
}

/** A Java `Date.toString()` of a "YYYY-MM-DD hh:mm:ss.SSS" stamp, as item JSON's meta.start_date. */
export function javaDateString(stamp: string): string {
  const date = new Date(`${stamp.replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime())) return stamp;
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${two(date.getUTCDate())} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
}

// ---------------------------------------------------------------------------------------
// ZIP (stored entries) and header-only DICOM

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A ZIP archive of stored (uncompressed) entries with a fixed timestamp, so it is reproducible. */
export function buildZip(entries: readonly { readonly name: string; readonly data: Buffer }[]): Buffer {
  const DOS_TIME = 0; // 00:00:00
  const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1; // 2024-01-01
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, entry.data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const centralSize = centrals.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

const SOP_CLASSES: Readonly<Record<string, string>> = {
  CT: '1.2.840.10008.5.1.4.1.1.2',
  MR: '1.2.840.10008.5.1.4.1.1.4',
  PT: '1.2.840.10008.5.1.4.1.1.128',
  SEG: '1.2.840.10008.5.1.4.1.1.66.4',
};
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

function element(group: number, elem: number, vr: string, value: string | Buffer): Buffer {
  let data = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  if (data.length % 2 === 1) data = Buffer.concat([data, Buffer.from(vr === 'UI' || vr === 'OB' ? [0] : [0x20])]);
  const long = vr === 'OB' || vr === 'OW' || vr === 'SQ' || vr === 'UN' || vr === 'UT';
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(elem, 2);
  header.write(vr, 4, 'latin1');
  if (long) header.writeUInt32LE(data.length, 8);
  else header.writeUInt16LE(data.length, 6);
  return Buffer.concat([header, data]);
}

export interface HeaderOnlyDicom {
  readonly modality: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly instanceNumber: number;
  readonly seriesDescription: string;
  readonly bodyPartExamined: string;
}

/**
 * A DICOM Part 10 file (explicit VR little endian) with the identifying UIDs and a few
 * series attributes and no pixel data: enough for a reader to recognise and route it.
 */
export function buildHeaderOnlyDicom(spec: HeaderOnlyDicom): Buffer {
  const sopClass = SOP_CLASSES[spec.modality] ?? SECONDARY_CAPTURE;
  const metaBody = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', sopClass),
    element(0x0002, 0x0003, 'UI', spec.sopInstanceUid),
    element(0x0002, 0x0010, 'UI', EXPLICIT_VR_LITTLE_ENDIAN),
    element(0x0002, 0x0012, 'UI', '2.25.1234567890123456789'),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length, 0);
  const dataset = Buffer.concat([
    element(0x0008, 0x0016, 'UI', sopClass),
    element(0x0008, 0x0018, 'UI', spec.sopInstanceUid),
    element(0x0008, 0x0060, 'CS', spec.modality),
    element(0x0008, 0x103e, 'LO', spec.seriesDescription.slice(0, 64)),
    element(0x0018, 0x0015, 'CS', spec.bodyPartExamined.toUpperCase().replace(/[^A-Z0-9 _]/g, '').slice(0, 16)),
    element(0x0020, 0x000d, 'UI', spec.studyInstanceUid),
    element(0x0020, 0x000e, 'UI', spec.seriesInstanceUid),
    element(0x0020, 0x0013, 'IS', String(spec.instanceNumber)),
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element(0x0002, 0x0000, 'UL', groupLength), metaBody, dataset]);
}
