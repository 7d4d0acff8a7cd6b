// FAKE for tests and the local demo, not XNAT: tests of the fake XNAT search service (src/testing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultFakeArchive,
  expectedXnatCohort,
  indexFakeXnatArchive,
  parseSearchBundle,
  startFakeXnat,
  type FakeXnat,
} from '../../src/testing/index.js';
import { compareValue } from '../../src/testing/fake-xnat-search.js';
import { call, expectStringEnvelope, type Envelope } from './helpers.js';

const archive = defaultFakeArchive();
const index = indexFakeXnatArchive(archive);

interface BundleField { readonly element: string; readonly field: string; readonly header?: string }
interface BundleCriterion { readonly field: string; readonly comparison?: string; readonly value: string }

/** An xdat:bundle in the form pyxnat and xnatpy post. */
function bundle(root: string, fields: readonly BundleField[], where: { method?: string; criteria: readonly BundleCriterion[]; children?: readonly { method: string; criteria: readonly BundleCriterion[] }[] }): string {
  const criteria = (list: readonly BundleCriterion[]): string => list.map((c) =>
    `<xdat:criteria override_value_formatting="0"><xdat:schema_field>${c.field}</xdat:schema_field><xdat:comparison_type>${(c.comparison ?? '=').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</xdat:comparison_type><xdat:value>${c.value}</xdat:value></xdat:criteria>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<xdat:bundle xmlns:xdat="http://nrg.wustl.edu/security" ID="@${root}" allow-diff-columns="0" secure="false">
  <xdat:root_element_name>${root}</xdat:root_element_name>
  ${fields.map((f, i) => `<xdat:search_field><xdat:element_name>${f.element}</xdat:element_name><xdat:field_ID>${f.field}</xdat:field_ID><xdat:sequence>${i}</xdat:sequence><xdat:type>string</xdat:type>${f.header === undefined ? '' : `<xdat:header>${f.header}</xdat:header>`}</xdat:search_field>`).join('\n  ')}
  <xdat:search_where method="${where.method ?? 'AND'}">${criteria(where.criteria)}${(where.children ?? []).map((c) => `<xdat:child_set method="${c.method}">${criteria(c.criteria)}</xdat:child_set>`).join('')}</xdat:search_where>
</xdat:bundle>`;
}

describe('fake XNAT search service', () => {
  let fake: FakeXnat;
  beforeAll(async () => {
    fake = await startFakeXnat({ archive });
  });
  afterAll(() => fake.close());

  async function search(xml: string): Promise<{ status: number; text: string; envelope?: Envelope }> {
    const response = await call(fake, '/data/search?format=json', { method: 'POST', body: xml, headers: { 'content-type': 'text/xml' } });
    const text = await response.text();
    return { status: response.status, text, ...(response.status === 200 && { envelope: JSON.parse(text) as Envelope }) };
  }

  it('parses a bundle: root element, search fields in sequence, nested criteria sets', () => {
    const parsed = parseSearchBundle(bundle('xnat:subjectData', [{ element: 'xnat:subjectData', field: 'SUBJECT_ID' }, { element: 'xnat:subjectData', field: 'GENDER_TEXT' }], {
      method: 'OR', criteria: [{ field: 'xnat:subjectData/PROJECT', value: 'LUNG_CT' }], children: [{ method: 'AND', criteria: [{ field: 'xnat:subjectData.AGE', comparison: '>=', value: '50' }] }],
    }));
    expect(parsed.rootElement).toBe('xnat:subjectData');
    expect(parsed.fields.map((f) => [f.element, f.fieldId, f.sequence])).toEqual([['xnat:subjectData', 'SUBJECT_ID', 0], ['xnat:subjectData', 'GENDER_TEXT', 1]]);
    expect(parsed.where[0]).toEqual({
      method: 'OR',
      criteria: [{ schemaField: 'xnat:subjectData/PROJECT', comparison: '=', value: 'LUNG_CT' }],
      children: [{ method: 'AND', criteria: [{ schemaField: 'xnat:subjectData.AGE', comparison: '>=', value: '50' }], children: [] }],
    });
  });

  it('answers subjects of a project keyed by lower-cased display-field ids, with Columns, rootElementName and string values', async () => {
    const { status, text, envelope } = await search(bundle('xnat:subjectData', [
      { element: 'xnat:subjectData', field: 'SUBJECT_ID', header: 'url' }, { element: 'xnat:subjectData', field: 'GENDER' },
      { element: 'xnat:subjectData', field: 'GENDER_TEXT' }, { element: 'xnat:subjectData', field: 'AGE' }, { element: 'xnat:subjectData', field: 'DOB' },
    ], { criteria: [{ field: 'xnat:subjectData/PROJECT', value: 'LUNG_CT' }] }));
    expect(status).toBe(200);
    expect(text).toMatch(/^\{"ResultSet":\{"Columns":\[/);
    expect(text).toMatch(/, "rootElementName": "xnat:subjectData","totalRecords": "\d+"\}\}$/);
    expectStringEnvelope(envelope!);
    const subjects = index.subjectsByProject.get('LUNG_CT') ?? [];
    expect(envelope!.ResultSet.Result).toHaveLength(subjects.length);
    expect(envelope!.ResultSet.Columns![0]).toEqual({ key: 'subject_id', type: 'string', xPATH: 'xnat:subjectData.SUBJECT_ID', element_name: 'xnat:subjectData', header: 'url', id: 'SUBJECT_ID' });
    expect(envelope!.ResultSet.Columns!.at(-1)).toEqual({ key: 'quarantine_status' });
    for (const row of envelope!.ResultSet.Result) {
      const subject = index.subjectById.get(row.subject_id as string)!;
      expect(Object.keys(row)).toEqual(['subject_id', 'gender', 'gender_text', 'age', 'dob', 'quarantine_status']);
      expect(row.gender).toBe(subject.gender);
      // GENDER_TEXT is M, F or U; DOB is the YEAR of birth (COALESCE(yob, year of dob)).
      expect(row.gender_text).toBe(subject.gender === 'male' ? 'M' : subject.gender === 'female' ? 'F' : 'U');
      expect(row.dob).toBe(subject.yob !== undefined ? String(subject.yob) : subject.dob?.slice(0, 4) ?? '');
      expect(row.age).toBe(subject.age === undefined ? '' : String(subject.age));
    }
  });

  it('leaves out a field that no display document defines (YOB), as DisplaySearch does', async () => {
    const { status, envelope } = await search(bundle('xnat:subjectData', [{ element: 'xnat:subjectData', field: 'SUBJECT_ID' }, { element: 'xnat:subjectData', field: 'YOB' }], { criteria: [{ field: 'xnat:subjectData/PROJECT', value: 'BRAIN_MR' }] }));
    expect(status).toBe(200);
    expect(Object.keys(envelope!.ResultSet.Result[0]!)).toEqual(['subject_id', 'quarantine_status']);
  });

  it('joins other elements: scan rows with session and subject fields keyed <element sql name>_<field id>', async () => {
    const { envelope } = await search(bundle('xnat:ctScanData', [
      { element: 'xnat:ctScanData', field: 'ID' }, { element: 'xnat:ctScanData', field: 'SESSION_ID' }, { element: 'xnat:ctScanData', field: 'SUBJECT_ID' },
      { element: 'xnat:ctScanData', field: 'MODALITY' }, { element: 'xnat:ctScanData', field: 'BODYPARTEXAMINED' }, { element: 'xnat:ctScanData', field: 'SCANNER_MANUFACTURER' },
      { element: 'xnat:subjectData', field: 'GENDER_TEXT' }, { element: 'xnat:ctSessionData', field: 'DATE' },
    ], { criteria: [{ field: 'xnat:ctScanData/PROJECT', value: 'LUNG_CT' }] }));
    const ctScans = (index.sessionsByProject.get('LUNG_CT') ?? []).flatMap((s) => (index.scansBySession.get(s.id) ?? []).filter((x) => x.xsiType === 'xnat:ctScanData'));
    expect(envelope!.ResultSet.Result).toHaveLength(ctScans.length);
    const row = envelope!.ResultSet.Result[0]!;
    expect(Object.keys(row)).toEqual(['id', 'session_id', 'subject_id', 'modality', 'bodypartexamined', 'scanner_manufacturer', 'xnat_subjectdata_gender_text', 'xnat_ctsessiondata_date', 'quarantine_status']);
    const scan = ctScans[0]!;
    const session = index.sessionById.get(scan.sessionId)!;
    expect(row).toMatchObject({ id: scan.id, session_id: scan.sessionId, subject_id: session.subjectId, bodypartexamined: scan.bodyPartExamined, scanner_manufacturer: scan.manufacturer });
  });

  it('keys an xpath field XNAT_COL_<element><path> in lower case', async () => {
    const { envelope } = await search(bundle('xnat:mrSessionData', [{ element: 'xnat:mrSessionData', field: 'PROJECT' }, { element: 'xnat:mrSessionData', field: 'xnat:mrSessionData/label' }], { criteria: [{ field: 'xnat:mrSessionData/label', comparison: 'LIKE', value: '%_MR1' }] }));
    const rows = envelope!.ResultSet.Result;
    expect(rows.length).toBeGreaterThan(0);
    expect(Object.keys(rows[0]!)).toEqual(['project', 'xnat_col_mrsessiondatalabel', 'quarantine_status']);
    expect(rows.every((r) => String(r.xnat_col_mrsessiondatalabel).endsWith('_MR1'))).toBe(true);
    expect(envelope!.ResultSet.Columns![1]).toMatchObject({ key: 'xnat_col_mrsessiondatalabel', id: 'XNAT_COL_MRSESSIONDATALABEL' });
  });

  it('applies OR and AND criteria sets and comparisons on joined elements', async () => {
    const { envelope } = await search(bundle('xnat:subjectData', [{ element: 'xnat:subjectData', field: 'SUBJECT_ID' }, { element: 'xnat:subjectData', field: 'PROJECT' }], {
      method: 'AND',
      criteria: [{ field: 'xnat:subjectData/GENDER', value: 'male' }],
      children: [{ method: 'OR', criteria: [{ field: 'xnat:subjectData/PROJECT', value: 'BRAIN_MR' }, { field: 'xnat:subjectData/PROJECT', value: 'PROSTATE_MR' }] }],
    }));
    const expected = archive.subjects.filter((s) => s.gender === 'male' && (s.project === 'BRAIN_MR' || s.project === 'PROSTATE_MR'));
    expect(envelope!.ResultSet.Result.map((r) => r.subject_id)).toEqual(expected.map((s) => s.id));
  });

  it('agrees with the oracle: MR scans of a project give its MR series, studies and subjects', async () => {
    const { envelope } = await search(bundle('xnat:mrScanData', [
      { element: 'xnat:mrScanData', field: 'ID' }, { element: 'xnat:mrScanData', field: 'SESSION_ID' }, { element: 'xnat:mrScanData', field: 'SUBJECT_ID' },
    ], { criteria: [{ field: 'xnat:mrScanData/PROJECT', value: 'BRAIN_MR' }, { field: 'xnat:mrScanData/MODALITY', value: 'MR' }] }));
    const rows = envelope!.ResultSet.Result;
    const oracle = expectedXnatCohort(archive, 'BRAIN_MR', { modalities: ['MR'] });
    expect(rows.length).toBe(oracle.series);
    expect(new Set(rows.map((r) => r.session_id)).size).toBe(oracle.studies);
    expect(new Set(rows.map((r) => r.subject_id)).size).toBe(oracle.subjects);
  });

  it('fails a search rooted at or naming an abstract type with no display document with 500', async () => {
    const scans = await search(bundle('xnat:imageScanData', [{ element: 'xnat:imageScanData', field: 'ID' }], { criteria: [{ field: 'xnat:imageSessionData/PROJECT', value: 'LUNG_CT' }] }));
    expect(scans.status).toBe(500);
    expect(scans.text).toContain('HTTP Status 500');
    const joined = await search(bundle('xnat:subjectData', [{ element: 'xnat:subjectData', field: 'SUBJECT_ID' }, { element: 'xnat:imageSessionData', field: 'DATE' }], { criteria: [] }));
    expect(joined.status).toBe(500);
  });

  it('accepts an abstract type in a criterion (criteria are schema xpaths)', async () => {
    const { status, envelope } = await search(bundle('xnat:petScanData', [{ element: 'xnat:petScanData', field: 'ID' }, { element: 'xnat:petScanData', field: 'SESSION_ID' }], {
      method: 'OR', criteria: [{ field: 'xnat:imageSessionData/PROJECT', value: 'LUNG_CT' }, { field: 'xnat:imageSessionData/sharing/share/project', value: 'LUNG_CT' }],
    }));
    expect(status).toBe(200);
    const pet = (index.sessionsByProject.get('LUNG_CT') ?? []).flatMap((s) => (index.scansBySession.get(s.id) ?? []).filter((x) => x.xsiType === 'xnat:petScanData'));
    expect(envelope!.ResultSet.Result).toHaveLength(pet.length);
  });

  it('refuses a body that is not XML, or not a stored search, with 422', async () => {
    expect((await search('<xdat:bundle><oops></xdat:bundle>')).status).toBe(422);
    expect((await search('not xml at all')).status).toBe(422);
    expect((await search('<project><name>x</name></project>')).status).toBe(422);
  });

  it('answers only POST (405 otherwise), and 403 when the site disabled the search service', async () => {
    expect((await call(fake, '/data/search?format=json')).status).toBe(405);
    const disabled = await startFakeXnat({ archive, searchServiceEnabled: false });
    try {
      const response = await call(disabled, '/data/search?format=json', { method: 'POST', body: bundle('xnat:subjectData', [{ element: 'xnat:subjectData', field: 'SUBJECT_ID' }], { criteria: [] }) });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(disabled.calls.search).toBe(1);
    } finally {
      await disabled.close();
    }
  });
});

describe('search comparisons', () => {
  it('treat "" as NULL and compare numbers, dates (also MM/DD/YYYY) and LIKE patterns as SQL does', () => {
    expect(compareValue('LUNG_CT', '=', 'LUNG_CT')).toBe(true);
    expect(compareValue('', '=', '')).toBe(false);
    expect(compareValue('', 'IS NULL', '')).toBe(true);
    expect(compareValue('x', 'IS NOT NULL', '')).toBe(true);
    expect(compareValue('63', '>=', '50')).toBe(true);
    expect(compareValue('9', '<', '10')).toBe(true);
    expect(compareValue('2023-12-12', '>=', '12/11/2023')).toBe(true);
    expect(compareValue('2023-12-12', 'BETWEEN', '2023-01-01 AND 2023-12-31')).toBe(true);
    expect(compareValue('LUNG_001_CT1', 'LIKE', 'LUNG%CT_')).toBe(true);
    expect(compareValue('lung', 'LIKE', 'LUNG')).toBe(false);
    expect(compareValue('CT', 'IN', "'MR','CT'")).toBe(true);
    expect(compareValue('CT', '!=', 'MR')).toBe(true);
  });
});
