import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalOrthanc, uploadDicomFiles, type LocalOrthanc } from './orthanc-process.js';
import { orthancTestsEnabled } from './require-orthanc.js';
import {
  SAMPLE_DICOM_SITES,
  buildSampleDicom,
  expectedCohort,
  filesOfSite,
  forbiddenIdentifierValues,
  sampleDicomAvailable,
  siteStatistics,
  subjectAge,
  wholeYearsBetween,
  type SampleCohortCounts,
  type SampleDicomFile,
  type SampleDicomManifest,
} from './sample-dicom.js';

const counts = ({ subjects, studies, series }: SampleCohortCounts): SampleCohortCounts => ({ subjects, studies, series });

const DCMDUMP = '/usr/bin/dcmdump';

/** Same rule as Orthanc: without the tool skip loudly, except in CI where it must be installed. */
function toolEnabled(available: boolean, message: string): boolean {
  if (available) return true;
  if (process.env.CI === 'true') throw new Error(`${message} CI must install it.`);
  console.warn(`\n!!! ${message} SKIPPING these tests. !!!\n`);
  return false;
}

const pydicomReady = toolEnabled(sampleDicomAvailable(), 'python3-pydicom is not importable by /usr/bin/python3 (apt-get install python3-pydicom): the sample DICOM cannot be built.');
const dcmdumpReady = pydicomReady && toolEnabled(existsSync(DCMDUMP), 'dcmtk is not installed (apt-get install dcmtk): the sample DICOM cannot be checked with an independent parser.');
const orthancReady = pydicomReady && orthancTestsEnabled();

/** One dcmdump element line: `(gggg,eeee)[.(gggg,eeee)...] VR [value] # ...` with +p paths. */
interface DumpedElement { readonly path: string; readonly value: string }

/** Runs dcmdump once over every file and returns, per file, the elements searched for. */
function dumpElements(files: readonly string[], tags: readonly string[]): Map<string, DumpedElement[]> {
  const args = ['+F', '+p', '-Un', ...tags.flatMap((tag) => ['+P', tag]), ...files];
  const result = spawnSync(DCMDUMP, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0 || /^E: /m.test(result.stderr)) throw new Error(`dcmdump failed (${result.status}): ${result.stderr.slice(0, 2_000)}`);
  const byFile = new Map<string, DumpedElement[]>();
  let current: DumpedElement[] | undefined;
  for (const line of result.stdout.split('\n')) {
    const header = /^# dcmdump \(\d+\/\d+\): (.+)$/.exec(line);
    if (header) {
      current = [];
      byFile.set(header[1]!, current);
      continue;
    }
    const element = /^((?:\([0-9a-f]{4},[0-9a-f]{4}\)\.?)+) [A-Z]{2} (?:\[(.*?)\]|(\(no value available\))|(\S+))/.exec(line);
    if (element && current) current.push({ path: element[1]!, value: element[2] ?? element[4] ?? '' });
  }
  return byFile;
}

function top(elements: readonly DumpedElement[], tag: string): string | undefined {
  return elements.find((e) => e.path === `(${tag})`)?.value;
}

describe.skipIf(!pydicomReady)('sample DICOM built from pydicom test files', () => {
  const dirs: string[] = [];
  let manifest: SampleDicomManifest;
  let again: SampleDicomManifest;
  let otherSeed: SampleDicomManifest;
  let buildMs = 0;

  const tempDir = async (label: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), `cig-sample-dicom-${label}-`));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    const started = performance.now();
    manifest = await buildSampleDicom({ outDir: await tempDir('a'), seed: 1 });
    buildMs = performance.now() - started;
    [again, otherSeed] = await Promise.all([
      tempDir('b').then((outDir) => buildSampleDicom({ outDir, seed: 1 })),
      tempDir('c').then((outDir) => buildSampleDicom({ outDir, seed: 2 })),
    ]);
  });

  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('builds the default set in a few seconds', () => {
    // The Orthanc tests build it in their set-up; a slow generator would slow every run.
    expect(buildMs).toBeLessThan(10_000);
  });

  it('is deterministic: the same seed writes a byte-identical manifest and identical files, another seed new UIDs', async () => {
    const [first, second] = await Promise.all([
      readFile(path.join(manifest.outDir, 'manifest.json'), 'utf8'),
      readFile(path.join(again.outDir, 'manifest.json'), 'utf8'),
    ]);
    expect(second).toBe(first);
    // The manifest holds each file's sha256; check the bytes really match on a sample of files.
    for (const file of manifest.files.filter((_, i) => i % 17 === 0)) {
      const twin = path.join(again.outDir, ...file.relativePath.split('/'));
      expect((await readFile(twin)).equals(await readFile(file.path))).toBe(true);
    }
    const uidsOf = (m: SampleDicomManifest) => new Set(m.files.flatMap((f) => [f.studyInstanceUid, f.seriesInstanceUid, f.sopInstanceUid]));
    const seedTwo = uidsOf(otherSeed);
    expect([...uidsOf(manifest)].filter((u) => seedTwo.has(u))).toEqual([]);
  });

  it('spans two sites, three datasets and at least 20 subjects, with repeat studies, missing PatientAge and mixed sexes', () => {
    const sites = new Set(manifest.files.map((f) => f.site));
    expect([...sites].sort()).toEqual([...SAMPLE_DICOM_SITES]);
    const datasets = new Set(manifest.files.map((f) => `${f.site}/${f.dataset}`));
    expect(datasets.size).toBeGreaterThanOrEqual(3);
    let allSubjects = 0;
    for (const site of SAMPLE_DICOM_SITES) {
      const files = filesOfSite(manifest, site);
      const subjects = new Set(files.map((f) => `${f.dataset}/${f.identifiers.PatientID}`));
      expect(subjects.size).toBeGreaterThanOrEqual(10);
      allSubjects += subjects.size;
      expect(manifest.totals[site]).toEqual({ ...siteStatistics(manifest, site), subjects: subjects.size });
    }
    expect(allSubjects).toBeGreaterThanOrEqual(20);

    const studiesPerSubject = new Map<string, Set<string>>();
    for (const f of manifest.files) {
      const key = `${f.site}/${f.dataset}/${f.identifiers.PatientID}`;
      studiesPerSubject.set(key, (studiesPerSubject.get(key) ?? new Set()).add(f.studyInstanceUid));
    }
    expect([...studiesPerSubject.values()].filter((s) => s.size === 2).length).toBeGreaterThan(3);
    expect(manifest.files.some((f) => f.patientAge === null)).toBe(true);
    expect(manifest.files.some((f) => f.patientAge !== null)).toBe(true);
    expect(new Set(manifest.files.map((f) => f.sex))).toEqual(new Set(['F', 'M', 'O', '']));
    expect(new Set(manifest.files.map((f) => f.modality))).toEqual(new Set(['CT', 'MR', 'PT', 'SEG', 'RTSTRUCT']));
    // One patient is in two datasets of one site: one Orthanc patient, two subjects.
    const a = manifest.totals['orthanc-a']!;
    expect(a.subjects).toBe(a.patients + 1);
    // 1-4 instances per image series; SEG and RTSTRUCT are single objects.
    const perSeries = new Map<string, SampleDicomFile[]>();
    for (const f of manifest.files) perSeries.set(f.seriesInstanceUid, [...(perSeries.get(f.seriesInstanceUid) ?? []), f]);
    for (const files of perSeries.values()) {
      const derived = files[0]!.modality === 'SEG' || files[0]!.modality === 'RTSTRUCT';
      expect(files.length).toBeGreaterThanOrEqual(1);
      expect(files.length).toBeLessThanOrEqual(derived ? 1 : 4);
      expect(new Set(files.map((f) => `${f.studyInstanceUid}|${f.modality}|${f.bodyPart}|${f.manufacturer}|${f.identifiers.PatientID}`)).size).toBe(1);
      expect(files.map((f) => f.instanceNumber).sort()).toEqual(files.map((_, i) => i + 1));
    }
  });

  it.skipIf(!dcmdumpReady)('every file parses with dcmtk and holds the UIDs, tags and identifiers the manifest lists', () => {
    const tags = ['0008,0018', '0008,0016', '0020,000d', '0020,000e', '0008,0060', '0018,0015', '0008,0070', '0010,0020', '0010,0040', '0010,1010', '0010,0030', '0008,0050', '0012,0020', '0020,0011', '0020,0013', '0008,0020'];
    const dumped = dumpElements(manifest.files.map((f) => f.path), tags);
    expect(dumped.size).toBe(manifest.files.length);
    for (const file of manifest.files) {
      const elements = dumped.get(file.path);
      expect(elements, file.path).toBeDefined();
      const actual = Object.fromEntries(tags.map((tag) => [tag, top(elements!, tag)]));
      expect(actual, file.path).toEqual({
        '0008,0018': file.sopInstanceUid,
        '0008,0016': file.sopClassUid,
        '0020,000d': file.studyInstanceUid,
        '0020,000e': file.seriesInstanceUid,
        '0008,0060': file.modality,
        '0018,0015': file.bodyPart,
        '0008,0070': file.manufacturer,
        '0010,0020': file.identifiers.PatientID,
        '0010,0040': file.sex,
        '0010,1010': file.patientAge ?? undefined,
        '0010,0030': file.identifiers.PatientBirthDate,
        '0008,0050': file.identifiers.AccessionNumber,
        '0012,0020': file.dataset,
        '0020,0011': String(file.seriesNumber),
        '0020,0013': String(file.instanceNumber),
        '0008,0020': file.studyDate,
      });
    }
  });

  it('every file holds, byte for byte, the patient name and other identifiers the manifest says it does', async () => {
    for (const file of manifest.files) {
      const bytes = await readFile(file.path);
      for (const value of Object.values(file.identifiers)) {
        expect(bytes.includes(Buffer.from(value, 'utf8')), `${file.path}: ${value}`).toBe(true);
      }
    }
  });

  it.skipIf(!dcmdumpReady)('SEG and RTSTRUCT reference an image series of their own study, and its instances, that exist in the set', () => {
    const derived = manifest.files.filter((f) => f.modality === 'SEG' || f.modality === 'RTSTRUCT');
    expect(derived.filter((f) => f.modality === 'SEG').length).toBeGreaterThan(5);
    expect(derived.filter((f) => f.modality === 'RTSTRUCT').length).toBeGreaterThan(3);
    const dumped = dumpElements(derived.map((f) => f.path), ['0020,000e', '0008,1155', '0020,0052']);
    const seriesByUid = new Map(manifest.files.map((f) => [f.seriesInstanceUid, f]));
    for (const file of derived) {
      const elements = dumped.get(file.path)!;
      const nestedSeries = elements.filter((e) => e.path.endsWith('.(0020,000e)'));
      const expectedPath = file.modality === 'SEG' ? '(0008,1115).(0020,000e)' : '(3006,0010).(3006,0012).(3006,0014).(0020,000e)';
      expect(nestedSeries.map((e) => e.path), file.path).toEqual([expectedPath]);
      expect(nestedSeries.map((e) => e.value)).toEqual(file.referencedSeriesInstanceUids);
      const target = seriesByUid.get(nestedSeries[0]!.value);
      expect(target, `${file.path} references a series the set does not have`).toBeDefined();
      expect(['CT', 'MR', 'PT']).toContain(target!.modality);
      expect(target!.studyInstanceUid).toBe(file.studyInstanceUid);
      // Frame of reference and referenced instances point at that series' images.
      const frames = elements.filter((e) => e.path.endsWith('(0020,0052)')).map((e) => e.value);
      expect(new Set(frames)).toEqual(new Set([target!.frameOfReferenceUid]));
      const targetInstances = manifest.files.filter((f) => f.seriesInstanceUid === target!.seriesInstanceUid).map((f) => f.sopInstanceUid).sort();
      const referencedInstances = [...new Set(elements.filter((e) => e.path.endsWith('(0008,1155)') && e.value !== file.studyInstanceUid).map((e) => e.value))].sort();
      expect(referencedInstances).toEqual(targetInstances);
    }
  });

  it('lists every direct identifier as forbidden, none of which occurs in the values a subgraph may show', () => {
    const forbidden = forbiddenIdentifierValues(manifest);
    const file = manifest.files.find((f) => f.identifiers.PatientName.includes(' '))!;
    expect(forbidden).toContain(file.identifiers.PatientID);
    expect(forbidden).toContain(file.identifiers.PatientName);
    for (const part of file.identifiers.PatientName.split('^').filter((p) => p.length >= 4)) expect(forbidden).toContain(part);
    expect(forbidden).toContain(file.identifiers.InstitutionAddress);
    expect(forbidden).toContain(file.identifiers.OperatorsName);
    expect(forbidden.every((v) => v.length >= 4)).toBe(true);
    expect(forbidden.some((v) => ['DR', 'DRA', 'PROF'].includes(v))).toBe(false);
    // A leak test must not fire on legitimate output: UIDs, descriptions, dataset ids, codes.
    const shown = [...new Set(manifest.files.flatMap((f) => [
      f.studyInstanceUid, f.seriesInstanceUid, f.sopInstanceUid, f.frameOfReferenceUid, f.dataset, f.site,
      f.modality, f.bodyPart, f.manufacturer, f.institutionName, f.studyDescription, f.seriesDescription,
      f.studyDate, f.patientAge ?? '',
    ]))].join('\n').toUpperCase();
    expect(forbidden.filter((v) => shown.includes(v.toUpperCase()))).toEqual([]);
  });

  it('the oracle: age at the earliest study, from PatientAge or birth date, agrees with the generator', () => {
    for (const f of manifest.files) expect(wholeYearsBetween(f.identifiers.PatientBirthDate, f.studyDate), f.path).toBe(f.ageYears);
    const subjects = new Map<string, SampleDicomFile[]>();
    for (const f of manifest.files) {
      const key = `${f.site}/${f.dataset}/${f.identifiers.PatientID}`;
      subjects.set(key, [...(subjects.get(key) ?? []), f]);
    }
    for (const files of subjects.values()) {
      const firstDate = files.map((f) => f.studyDate).sort()[0];
      expect(subjectAge(files)).toBe(files.find((f) => f.studyDate === firstDate)!.ageYears);
    }
  });

  it('the oracle: no criteria give the site totals; criteria give non-trivial, consistent subsets', () => {
    for (const site of SAMPLE_DICOM_SITES) {
      const totals = manifest.totals[site]!;
      expect(counts(expectedCohort(manifest, site, {}))).toEqual({ subjects: totals.subjects, studies: totals.studies, series: totals.series });
    }
    const site = 'orthanc-a';
    const all = expectedCohort(manifest, site);
    const nonTrivial = (counts: { subjects: number }) => counts.subjects > 0 && counts.subjects < all.subjects;
    const lung = expectedCohort(manifest, site, { datasets: ['LUNG-CT-01'] });
    const prostate = expectedCohort(manifest, site, { datasets: ['PROSTATE-MR-02'] });
    expect(nonTrivial(lung) && nonTrivial(prostate)).toBe(true);
    expect(lung.subjects + prostate.subjects).toBe(all.subjects);
    expect(expectedCohort(manifest, site, { cancerTypes: ['LUNG'] })).toEqual(lung);
    expect(all.byDataset).toEqual([{ dataset: 'LUNG-CT-01', ...counts(lung) }, { dataset: 'PROSTATE-MR-02', ...counts(prostate) }]);
    for (const criteria of [
      { modalities: ['PT'] }, { modalities: ['SEG'] }, { bodyParts: ['PELVIS'] }, { manufacturers: ['siemens'] },
      { sex: ['F' as const] }, { sex: ['' as const, 'O' as const] }, { ageMin: 65 }, { ageMax: 60 },
    ]) {
      expect(nonTrivial(expectedCohort(manifest, site, criteria)), JSON.stringify(criteria)).toBe(true);
    }
    // Any-of within a field widens; all-of across fields narrows.
    const ct = expectedCohort(manifest, site, { modalities: ['CT'] });
    const mr = expectedCohort(manifest, site, { modalities: ['MR'] });
    expect(expectedCohort(manifest, site, { modalities: ['CT', 'MR'] }).series).toBe(ct.series + mr.series);
    expect(expectedCohort(manifest, site, { modalities: ['CT'], bodyParts: ['PROSTATE'] })).toEqual({ subjects: 0, studies: 0, series: 0, byDataset: [] });
    expect(expectedCohort(manifest, site, { modalities: ['MR'], sex: ['F'] })).toEqual({ subjects: 0, studies: 0, series: 0, byDataset: [] });
    const older = expectedCohort(manifest, site, { ageMin: 65 });
    const younger = expectedCohort(manifest, site, { ageMax: 64 });
    expect(older.subjects + younger.subjects).toBe(all.subjects);
  });
});

describe('expectedCohort semantics on a hand-made manifest', () => {
  let n = 0;
  const file = (over: Partial<SampleDicomFile> & { patientId: string; study: string; series: string; birth?: string }): SampleDicomFile => {
    n += 1;
    const { patientId, study, series, birth, ...rest } = over;
    return {
      path: `/x/${n}.dcm`, relativePath: `x/${n}.dcm`, site: 's', dataset: 'D1', subjectIndex: 1,
      identifiers: {
        PatientID: patientId, PatientName: 'DOE^JANE', PatientBirthDate: birth ?? '19700615', AccessionNumber: `ACC${study}`,
        ReferringPhysicianName: 'X^Y', PerformingPhysicianName: 'X^Y', OperatorsName: 'X^Y', InstitutionAddress: 'Street 1', ClinicalTrialSubjectID: 'S1',
      },
      sex: 'F', patientAge: null, ageYears: 0, studyDate: '20200101', studyTime: '100000',
      studyInstanceUid: `1.${study}`, seriesInstanceUid: `1.${study}.${series}`, sopInstanceUid: `1.${study}.${series}.${n}`,
      sopClassUid: '1.2', frameOfReferenceUid: '1.3', modality: 'MR', bodyPart: 'BREAST', manufacturer: 'SIEMENS',
      institutionName: 'I', studyDescription: '', seriesDescription: '', seriesNumber: 1, instanceNumber: 1,
      referencedSeriesInstanceUids: [], sha256: '0'.repeat(64),
      ...rest,
    };
  };
  const manifestOf = (files: SampleDicomFile[]): SampleDicomManifest => ({
    schemaVersion: 1, generator: 'test', seed: 0, specSha256: '0'.repeat(64), outDir: '/x',
    sites: [{ id: 's', institutionName: 'I', datasets: [{ id: 'D1', protocolName: '', cancerType: 'BREAST' }, { id: 'D2', protocolName: '', cancerType: 'LUNG' }] }],
    totals: {}, files,
  });

  it('takes the age at the earliest study (written PatientAge first), and counts a study once per matching series set', () => {
    const m = manifestOf([
      // P1: 49 at the first study (no PatientAge, derived), 51 at the second.
      file({ patientId: 'P1', study: '1', series: '1', birth: '19700615', studyDate: '20200101' }),
      file({ patientId: 'P1', study: '1', series: '1', birth: '19700615', studyDate: '20200101' }),
      file({ patientId: 'P1', study: '1', series: '2', birth: '19700615', studyDate: '20200101', modality: 'SEG' }),
      file({ patientId: 'P1', study: '2', series: '1', birth: '19700615', studyDate: '20220101', patientAge: '051Y' }),
      // P2: PatientAge says 066Y at the only study.
      file({ patientId: 'P2', study: '3', series: '1', patientAge: '066Y', sex: 'M', modality: 'CT', bodyPart: 'CHEST', manufacturer: 'GE MEDICAL SYSTEMS' }),
    ]);
    expect(counts(expectedCohort(m, 's'))).toEqual({ subjects: 2, studies: 3, series: 4 });
    expect(counts(expectedCohort(m, 's', { ageMin: 50 }))).toEqual({ subjects: 1, studies: 1, series: 1 });
    expect(counts(expectedCohort(m, 's', { ageMax: 49 }))).toEqual({ subjects: 1, studies: 2, series: 3 });
    expect(counts(expectedCohort(m, 's', { modalities: ['SEG'] }))).toEqual({ subjects: 1, studies: 1, series: 1 });
    expect(counts(expectedCohort(m, 's', { modalities: ['SEG', 'CT'] }))).toEqual({ subjects: 2, studies: 2, series: 2 });
    expect(counts(expectedCohort(m, 's', { modalities: ['CT'], sex: ['F'] }))).toEqual({ subjects: 0, studies: 0, series: 0 });
    expect(counts(expectedCohort(m, 's', { manufacturers: [' ge medical systems '] }))).toEqual({ subjects: 1, studies: 1, series: 1 });
    expect(counts(expectedCohort(m, 's', { cancerTypes: ['LUNG'] }))).toEqual({ subjects: 0, studies: 0, series: 0 });
  });

  it('counts one patient in two datasets as two subjects, each with its own studies and age', () => {
    const m = manifestOf([
      file({ patientId: 'P1', study: '1', series: '1', dataset: 'D1', studyDate: '20150701' }),
      file({ patientId: 'P1', study: '2', series: '1', dataset: 'D2', studyDate: '20210701', modality: 'CT' }),
    ]);
    expect(expectedCohort(m, 's').byDataset).toEqual([
      { dataset: 'D1', subjects: 1, studies: 1, series: 1 },
      { dataset: 'D2', subjects: 1, studies: 1, series: 1 },
    ]);
    expect(counts(expectedCohort(m, 's'))).toEqual({ subjects: 2, studies: 2, series: 2 });
    // In D2 the subject's earliest study is 2021 (age 51), not the 2015 study of D1 (age 45).
    expect(counts(expectedCohort(m, 's', { ageMin: 50 }))).toEqual({ subjects: 1, studies: 1, series: 1 });
    expect(counts(expectedCohort(m, 's', { datasets: ['D1'], ageMin: 50 }))).toEqual({ subjects: 0, studies: 0, series: 0 });
    expect(() => filesOfSite(m, 'nope')).toThrow(/no site "nope"/);
  });
});

describe.skipIf(!orthancReady)('sample DICOM in a real Orthanc', () => {
  let orthanc: LocalOrthanc | undefined;
  let outDir: string;

  afterAll(async () => {
    await orthanc?.stop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it("accepts one site's files and reports the patients, studies, series and instances the manifest predicts", async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'cig-sample-dicom-orthanc-'));
    const manifest = await buildSampleDicom({ outDir });
    orthanc = await startLocalOrthanc({ name: 'cig-sample-dicom-test' });
    const site = 'orthanc-a';
    const files = filesOfSite(manifest, site);
    const ids = await uploadDicomFiles(orthanc, files.map((f) => f.path));
    expect(new Set(ids).size).toBe(files.length);
    const auth = `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}`;
    const response = await fetch(`${orthanc.url}/statistics`, { headers: { authorization: auth } });
    expect(response.status).toBe(200);
    const statistics = (await response.json()) as Record<string, unknown>;
    const expected = siteStatistics(manifest, site);
    expect({
      patients: statistics.CountPatients, studies: statistics.CountStudies,
      series: statistics.CountSeries, instances: statistics.CountInstances,
    }).toEqual(expected);
    // Orthanc decoded the UTF-8 names and kept the grouping tag the adapter relies on.
    const sample = files.find((f) => /[^\x20-\x7e]/.test(f.identifiers.PatientName)) ?? files[0]!;
    const tags = await fetch(`${orthanc.url}/instances/${ids[files.indexOf(sample)]}/simplified-tags`, { headers: { authorization: auth } });
    const simplified = (await tags.json()) as Record<string, unknown>;
    expect(simplified.PatientName).toBe(sample.identifiers.PatientName);
    expect(simplified.ClinicalTrialProtocolID).toBe(sample.dataset);
  }, 60_000);
});
