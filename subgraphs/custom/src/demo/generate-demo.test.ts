import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SeriesIndexRow, SubjectIndexRows } from '../adapter/custom-index.js';
import { CANCER_PROFILES } from './demo-profiles.js';
import { DemoSpecError, type DemoDatasetSpec, type DemoSpec } from './demo-spec.js';
import { computeDemoTotals, DIAGNOSIS_YEARS, generateDemoRows, tallyDemoRows } from './generate-demo.js';
import { isValidDicomUid } from './uids.js';

const dataset = (overrides: Partial<DemoDatasetSpec> & Pick<DemoDatasetSpec, 'localId' | 'cancerTypes' | 'subjects'>): DemoDatasetSpec => ({
  siteId: 'site-a', modalities: [], bodyParts: [], manufacturers: [], sex: [], ageRange: { min: null, max: null }, ...overrides,
});

const SPEC: DemoSpec = {
  datasets: [
    dataset({ localId: 'breast', cancerTypes: ['BREAST'], subjects: 400 }),
    dataset({ localId: 'prostate', cancerTypes: ['PROSTATE'], subjects: 300, modalities: ['MR', 'SEG'], bodyParts: ['PROSTATE', 'PELVIS'] }),
    dataset({ localId: 'neuroblastoma', cancerTypes: ['NEUROBLASTOMA'], subjects: 150 }),
    dataset({ siteId: 'site-b', localId: 'lung', cancerTypes: ['LUNG'], subjects: 250, modalities: ['CT', 'PT', 'RTSTRUCT'], manufacturers: ['SIEMENS', 'PHILIPS'] }),
    dataset({ siteId: 'site-b', localId: 'glioma-gbm', cancerTypes: ['GLIOMA', 'GLIOBLASTOMA'], subjects: 200, sex: ['FEMALE', 'MALE'], ageRange: { min: 30, max: 70 } }),
  ],
};

const collect = (spec: DemoSpec, seed?: string) => [...generateDemoRows(spec, seed)];
const seriesOf = (subjects: readonly SubjectIndexRows[]) => subjects.flatMap((s) => s.series);
const rowsHash = (subjects: readonly SubjectIndexRows[]) => createHash('sha256').update(JSON.stringify(subjects)).digest('hex');
const byDataset = (rows: readonly SeriesIndexRow[], id: string) => rows.filter((r) => r.datasetId === id);
const share = (rows: readonly SeriesIndexRow[], predicate: (r: SeriesIndexRow) => boolean) => rows.filter(predicate).length / rows.length;

describe('generateDemoRows', () => {
  const subjects = collect(SPEC);
  const rows = seriesOf(subjects);

  it('is deterministic: the same seed gives identical rows, another seed different ones', () => {
    expect(rowsHash(collect(SPEC))).toBe(rowsHash(subjects));
    expect(rowsHash(collect(SPEC, 'another-seed'))).not.toBe(rowsHash(subjects));
  });

  it('keeps a dataset\'s data unchanged when another dataset of the spec changes', () => {
    const edited: DemoSpec = { datasets: SPEC.datasets.map((d) => (d.localId === 'breast' ? { ...d, subjects: 10 } : d)) };
    const lungRows = (s: DemoSpec) => seriesOf(collect(s)).filter((r) => r.datasetId === 'lung').map(({ patientId: _, ...rest }) => rest);
    expect(lungRows(edited)).toEqual(lungRows(SPEC));
  });

  it('makes exactly the declared number of subjects per dataset, each with a unique PatientID per site', () => {
    const totals = tallyDemoRows(subjects);
    for (const spec of SPEC.datasets) {
      expect(totals.datasets.find((d) => d.localId === spec.localId)?.subjects).toBe(spec.subjects);
    }
    for (const site of ['site-a', 'site-b']) {
      const ids = subjects.map((s) => s.series[0]!).filter((r) => r.siteId === site).map((r) => r.patientId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^PAT\d{7}$/);
    }
  });

  it('gives every subject 1-4 studies of 2-12 series, with consistent subject fields on every row', () => {
    for (const subject of subjects) {
      const studies = new Map<string, number>();
      for (const row of subject.series) studies.set(row.studyUid, (studies.get(row.studyUid) ?? 0) + 1);
      expect(studies.size).toBeGreaterThanOrEqual(1);
      expect(studies.size).toBeLessThanOrEqual(4);
      for (const count of studies.values()) {
        expect(count).toBeGreaterThanOrEqual(2);
        expect(count).toBeLessThanOrEqual(12);
      }
      const first = subject.series[0]!;
      for (const row of subject.series) {
        expect([row.patientId, row.patientName, row.birthDate, row.sex, row.ageAtDiagnosis, row.diagnosis, row.yearOfDiagnosis])
          .toEqual([first.patientId, first.patientName, first.birthDate, first.sex, first.ageAtDiagnosis, first.diagnosis, first.yearOfDiagnosis]);
      }
    }
  });

  it('writes valid, unique DICOM UIDs for studies, series and segmentations', () => {
    const seriesUids = rows.map((r) => r.seriesUid);
    const studyUids = [...new Set(rows.map((r) => r.studyUid))];
    for (const uid of [...seriesUids, ...studyUids]) expect(isValidDicomUid(uid), uid).toBe(true);
    expect(new Set(seriesUids).size).toBe(seriesUids.length);
    expect(new Set([...seriesUids, ...studyUids]).size).toBe(seriesUids.length + studyUids.length);
  });

  it('draws plausible sexes: breast about 99% female, prostate all male, others mixed', () => {
    const subjectRows = subjects.map((s) => s.series[0]!);
    expect(share(byDataset(subjectRows, 'breast'), (r) => r.sex === 'F')).toBeGreaterThan(0.95);
    expect(share(byDataset(subjectRows, 'prostate'), (r) => r.sex === 'M')).toBe(1);
    const lung = byDataset(subjectRows, 'lung');
    expect(share(lung, (r) => r.sex === 'F')).toBeGreaterThan(0.25);
    expect(share(lung, (r) => r.sex === 'M')).toBeGreaterThan(0.4);
  });

  it('draws ages per cancer type: neuroblastoma in children up to ten, others in adults within the type\'s limits', () => {
    const subjectRows = subjects.map((s) => s.series[0]!);
    for (const row of subjectRows) {
      if (row.ageAtDiagnosis === null) continue;
      const [low, high] = CANCER_PROFILES[row.diagnosis as keyof typeof CANCER_PROFILES].ageLimits;
      expect(row.ageAtDiagnosis).toBeGreaterThanOrEqual(low);
      expect(row.ageAtDiagnosis).toBeLessThanOrEqual(high);
    }
    const children = byDataset(subjectRows, 'neuroblastoma').map((r) => r.ageAtDiagnosis).filter((a) => a !== null);
    expect(Math.max(...children)).toBeLessThanOrEqual(10);
    expect(children.filter((a) => a < 5).length / children.length).toBeGreaterThan(0.7);
    const prostate = byDataset(subjectRows, 'prostate').map((r) => r.ageAtDiagnosis).filter((a) => a !== null);
    expect(prostate.reduce((s, a) => s + a, 0) / prostate.length).toBeGreaterThan(60);
  });

  it('leaves some ages unknown, and then no birth date', () => {
    const subjectRows = subjects.map((s) => s.series[0]!);
    const unknown = subjectRows.filter((r) => r.ageAtDiagnosis === null);
    expect(unknown.length).toBeGreaterThan(0);
    for (const row of unknown) expect(row.birthDate).toBeNull();
  });

  it('writes birth dates consistent with the age at diagnosis and names in DICOM PN form', () => {
    for (const row of subjects.map((s) => s.series[0]!)) {
      expect(row.patientName).toMatch(/^[A-Z]+\^[A-Z]+$/);
      expect(row.yearOfDiagnosis).toBeGreaterThanOrEqual(DIAGNOSIS_YEARS[0]);
      expect(row.yearOfDiagnosis).toBeLessThanOrEqual(DIAGNOSIS_YEARS[1]);
      if (row.ageAtDiagnosis === null) continue;
      expect(row.birthDate).toMatch(/^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/);
      const birthYear = Number(row.birthDate!.slice(0, 4));
      expect([row.yearOfDiagnosis! - birthYear, row.yearOfDiagnosis! - birthYear - 1]).toContain(row.ageAtDiagnosis);
    }
  });

  it('dates studies from the year of diagnosis onwards', () => {
    for (const row of rows) {
      expect(row.studyYear).toBeGreaterThanOrEqual(row.yearOfDiagnosis!);
      expect(row.studyYear).toBeLessThanOrEqual(2025);
    }
  });

  it('follows each cancer type\'s modality mix: breast MG and MR (and US), prostate mostly MR, lung mostly CT with PET', () => {
    const breast = byDataset(rows, 'breast');
    expect(new Set(breast.map((r) => r.modality))).toEqual(new Set(['MG', 'MR', 'US']));
    expect(breast.every((r) => r.bodyPart === 'BREAST' || r.bodyPart === null)).toBe(true);
    const lung = byDataset(rows, 'lung').filter((r) => r.modality !== 'RTSTRUCT');
    expect(share(lung, (r) => r.modality === 'CT')).toBeGreaterThan(0.6);
    expect(share(lung, (r) => r.modality === 'PT')).toBeGreaterThan(0.05);
    const brain = byDataset(rows, 'glioma-gbm');
    expect(share(brain, (r) => r.modality === 'MR')).toBeGreaterThan(0.85);
    expect(brain.every((r) => r.bodyPart === null || r.bodyPart === 'BRAIN' || r.bodyPart === 'HEAD')).toBe(true);
    const neuroblastoma = byDataset(rows, 'neuroblastoma');
    expect(new Set(neuroblastoma.map((r) => r.modality))).toEqual(new Set(['MR', 'CT', 'NM']));
  });

  it('keeps each dataset within its declared modalities, body parts, manufacturers, sexes and age range', () => {
    const prostate = byDataset(rows, 'prostate');
    expect(new Set(prostate.map((r) => r.modality))).toEqual(new Set(['MR', 'SEG']));
    expect(prostate.every((r) => r.bodyPart === null || r.bodyPart === 'PROSTATE' || r.bodyPart === 'PELVIS')).toBe(true);
    const lungImages = byDataset(rows, 'lung').filter((r) => r.modality !== 'RTSTRUCT');
    expect(new Set(lungImages.map((r) => r.manufacturer))).toEqual(new Set(['SIEMENS', 'PHILIPS']));
    const brain = byDataset(rows, 'glioma-gbm');
    expect(new Set(brain.map((r) => r.sex))).toEqual(new Set(['F', 'M']));
    expect(new Set(brain.map((r) => r.diagnosis))).toEqual(new Set(['GLIOMA', 'GLIOBLASTOMA']));
    for (const row of brain) if (row.ageAtDiagnosis !== null) expect(row.ageAtDiagnosis).toBeGreaterThanOrEqual(30);
    for (const row of brain) if (row.ageAtDiagnosis !== null) expect(row.ageAtDiagnosis).toBeLessThanOrEqual(70);
  });

  it('adds segmentation series only where declared, each referencing an image series of its own study', () => {
    const all = subjects.flatMap((s) => s.segmentations);
    expect(all.length).toBeGreaterThan(0);
    const bySeries = new Map(rows.map((r) => [r.seriesUid, r]));
    for (const seg of all) {
      const segRow = bySeries.get(seg.segUid)!;
      const referenced = bySeries.get(seg.seriesUid)!;
      expect(segRow.modality).toBe(seg.format === 'DICOM_SEG' ? 'SEG' : 'RTSTRUCT');
      expect(segRow.studyUid).toBe(referenced.studyUid);
      expect(['SEG', 'RTSTRUCT']).not.toContain(referenced.modality);
      expect(referenced.seriesDescription).not.toMatch(/localizer|topogram|scout/i);
      expect(seg.label).toBeTruthy();
    }
    const formats = (id: string) => new Set(all.filter((s) => bySeries.get(s.segUid)!.datasetId === id).map((s) => s.format));
    expect(formats('prostate')).toEqual(new Set(['DICOM_SEG']));
    expect(formats('lung')).toEqual(new Set(['RTSTRUCT']));
    expect(formats('breast').size).toBe(0);
  });

  it('reports totals that add up over datasets', () => {
    const totals = computeDemoTotals(SPEC);
    expect(totals.subjects).toBe(SPEC.datasets.reduce((s, d) => s + d.subjects, 0));
    expect(totals.series).toBe(rows.length);
    expect(totals.studies).toBe(new Set(rows.map((r) => r.studyUid)).size);
    expect(totals.segmentations).toBe(subjects.reduce((s, x) => s + x.segmentations.length, 0));
    expect(totals.sites).toBe(2);
    expect(totals.datasets.reduce((s, d) => s + d.series, 0)).toBe(totals.series);
  });

  it('refuses a dataset whose declared modalities fit none of its cancer type\'s studies', () => {
    const bad: DemoSpec = { datasets: [dataset({ localId: 'odd', cancerTypes: ['PROSTATE'], subjects: 1, modalities: ['MG'] })] };
    expect(() => collect(bad)).toThrow(DemoSpecError);
    const noSex: DemoSpec = { datasets: [dataset({ localId: 'odd', cancerTypes: ['PROSTATE'], subjects: 1, sex: ['FEMALE'] })] };
    expect(() => collect(noSex)).toThrow(/declared sex/);
    const noAge: DemoSpec = { datasets: [dataset({ localId: 'odd', cancerTypes: ['NEUROBLASTOMA'], subjects: 1, ageRange: { min: 40, max: 60 } })] };
    expect(() => collect(noAge)).toThrow(/age range/);
  });
});

describe('CANCER_PROFILES', () => {
  it('describes studies of 2-11 acquired series (12 with a segmentation) that their protocols can fill', () => {
    for (const [type, profile] of Object.entries(CANCER_PROFILES)) {
      for (const template of profile.studies) {
        const [low, high] = template.series;
        expect(low, `${type} ${template.description}`).toBeGreaterThanOrEqual(2);
        expect(high, `${type} ${template.description}`).toBeLessThanOrEqual(11);
        expect(template.protocol.length, `${type} ${template.description}`).toBeGreaterThanOrEqual(high);
        expect(template.protocol.slice(0, low).some((step) => !step.localizer), `${type} ${template.description}`).toBe(true);
      }
    }
  });
});
