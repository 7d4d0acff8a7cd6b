// FAKE for tests and the local demo, not XNAT: helpers for the tests of the fake XNAT server (src/testing).
import { inflateRawSync } from 'node:zlib';
import { DEFAULT_FAKE_XNAT_USER, type FakeXnat, type FakeXnatUser } from '../../src/testing/index.js';

export function basic(user: FakeXnatUser = DEFAULT_FAKE_XNAT_USER): string {
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
}

export const AUTH = { authorization: basic() } as const;

/** GET (or another method) with Basic auth unless headers say otherwise. */
export async function call(fake: FakeXnat, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${fake.url}${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string> | undefined) } });
}

export interface Envelope {
  readonly ResultSet: {
    readonly Result: Record<string, unknown>[];
    readonly totalRecords: unknown;
    readonly title?: unknown;
    readonly rootElementName?: unknown;
    readonly Columns?: Record<string, unknown>[];
  };
}

export async function resultSet(fake: FakeXnat, path: string, init: RequestInit = {}): Promise<Envelope> {
  const response = await call(fake, path, init);
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Envelope;
}

/** Every row value and totalRecords are strings, and totalRecords counts the rows. */
export function expectStringEnvelope(envelope: Envelope): void {
  const { Result, totalRecords } = envelope.ResultSet;
  if (typeof totalRecords !== 'string') throw new Error(`totalRecords is a ${typeof totalRecords}`);
  if (Number(totalRecords) !== Result.length) throw new Error(`totalRecords ${totalRecords} but ${Result.length} rows`);
  for (const row of Result) {
    for (const [key, value] of Object.entries(row)) {
      if (typeof value !== 'string') throw new Error(`${key} is a ${typeof value}`);
    }
  }
}

export interface ZipEntry { readonly name: string; readonly data: Buffer }

/** Reads a ZIP through its central directory (stored or deflated entries). */
export function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(offset + 10);
    const compressed = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extra = zip.readUInt16LE(offset + 30);
    const comment = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8');
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('bad local header');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    entries.push({ name, data: method === 0 ? Buffer.from(raw) : inflateRawSync(raw) });
    offset += 46 + nameLength + extra + comment;
  }
  return entries;
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2025, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}
