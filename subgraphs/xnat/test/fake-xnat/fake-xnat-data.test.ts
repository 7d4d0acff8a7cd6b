// FAKE for tests and the local demo, not XNAT: tests of the fake XNAT archive generator and its oracle (src/testing).
import { describe, expect, it } from 'vitest';
import {
  buildFakeXnatArchive,
  DEFAULT_FAKE_XNAT_SPEC,
  defaultFakeArchive,
  expectedXnatCohort,
  fakeXnatArchiveTotals,
  forbiddenXnatValues,
  indexFakeXnatArchive,
  largeFakeArchive,
  sexOfGender,
  subjectAgeAtFirstSession,
  wholeYearsBetween,
} from '../../src/testing/index.js';

const UID = /^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))+$/;

describe('fake XNAT archive generator', () => {
  const archive = defaultFakeArchive();

  it('is deterministic: the same spec gives the same archive, another seed another one', () => {
    expect(buildFakeXnatArchive(DEFAULT_FAKE_XNAT_SPEC)).toEqual(archive);
    const other = buildFakeXnatArchive({ ...DEFAULT_FAKE_XNAT_SPEC, seed: 'another seed' });
    expect(other.subjects.map((s) => s.gender)).not.toEqual(archive.subjects.map((s) => s.gender));
    expect(other.sessions.map((s) => s.uid)).not.toEqual(archive.sessions.map((s) => s.uid));
  });

  it('default archive: at least 3 cancer projects of different cancer types, 50 subjects and 300 scans', () => {
    const totals = fakeXnatArchiveTotals(archive);
    const cancerProjects = archive.projects.filter((p) => p.cancerType !== null);
    expect(cancerProjects.length).toBeGreaterThanOrEqual(3);
    expect(new Set(cancerProjects.map((p) => p.cancerType)).size).toBe(cancerProjects.length);
    expect(totals.subjects).toBeGreaterThanOrEqual(50);
    expect(totals.scans).toBeGreaterThanOrEqual(300);
    expect(archive.projects.map((p) => p.id)).toEqual(expect.arrayContaining(['LUNG_CT', 'PROSTATE_MR', 'BRAIN_MR']));
  });

  it('projects carry what a real XNAT project has: secondary id, name, description, keywords, PI', () => {
    for (const project of archive.projects) {
      expect(project.secondaryId).not.toBe('');
      expect(project.name).not.toBe('');
      expect(project.keywords).toMatch(/\S/);
      expect(project.piFirstname).not.toBe('');
      expect(project.piLastname).not.toBe('');
    }
  });

  it('uses XNAT accession ids, per-session scan ids "1", "2" ... and DICOM UIDs of at most 64 characters', () => {
    for (const s of archive.subjects) expect(s.id).toMatch(/^XNAT_S\d{5}$/);
    for (const s of archive.sessions) {
      expect(s.id).toMatch(/^XNAT_E\d{5}$/);
      expect(s.uid).toMatch(UID);
      expect(s.uid.length).toBeLessThanOrEqual(64);
    }
    for (const scan of archive.scans) {
      expect(scan.id).toMatch(/^[1-9]\d*$/);
      expect(scan.uid).toMatch(UID);
      expect(scan.uid.length).toBeLessThanOrEqual(64);
    }
    expect(new Set(archive.scans.map((s) => s.uid)).size).toBe(archive.scans.length);
    expect(new Set(archive.scans.map((s) => `${s.sessionId}/${s.id}`)).size).toBe(archive.scans.length);
  });

  it('covers the variety adapters must handle: genders, age forms, session and scan types, ROI collection types', () => {
    expect(new Set(archive.subjects.map((s) => s.gender))).toEqual(new Set(['male', 'female', 'unknown', '', 'other']));
    expect(archive.subjects.some((s) => s.dob !== undefined)).toBe(true);
    expect(archive.subjects.some((s) => s.yob !== undefined)).toBe(true);
    expect(archive.subjects.some((s) => s.age !== undefined)).toBe(true);
    expect(archive.subjects.some((s) => s.dob === undefined && s.yob === undefined && s.age === undefined)).toBe(true);
    expect(archive.subjects.filter((s) => s.labelLooksLikeName).length).toBeGreaterThan(3);
    expect(new Set(archive.sessions.map((s) => s.xsiType))).toEqual(new Set(['xnat:mrSessionData', 'xnat:ctSessionData', 'xnat:petSessionData']));
    expect(new Set(archive.scans.map((s) => s.xsiType))).toEqual(new Set(['xnat:mrScanData', 'xnat:ctScanData', 'xnat:petScanData', 'xnat:segScanData']));
    expect(new Set(archive.roiCollections.map((r) => r.collectionType))).toEqual(new Set(['SEG', 'RTSTRUCT', 'AIM']));
    // Raw DICOM values vary as they do in real archives.
    expect(archive.scans.some((s) => s.modality === '')).toBe(true);
    expect(archive.scans.some((s) => s.bodyPartExamined !== s.bodyPartExamined.toUpperCase())).toBe(true);
    expect(archive.scans.some((s) => s.manufacturer !== s.manufacturer.toUpperCase())).toBe(true);
    // PET sessions hold CT scans too (PET-CT).
    const index = indexFakeXnatArchive(archive);
    const pet = archive.sessions.filter((s) => s.xsiType === 'xnat:petSessionData');
    expect(pet.some((s) => (index.scansBySession.get(s.id) ?? []).some((scan) => scan.xsiType === 'xnat:ctScanData'))).toBe(true);
  });

  it('ROI collections reference image scans of their own session by SeriesInstanceUID', () => {
    const index = indexFakeXnatArchive(archive);
    for (const roi of archive.roiCollections) {
      const scans = index.scansBySession.get(roi.sessionId) ?? [];
      expect(roi.referencedSeriesUids.length).toBeGreaterThan(0);
      for (const uid of roi.referencedSeriesUids) expect(scans.map((s) => s.uid)).toContain(uid);
    }
  });

  it('builds the large archive (one project, 5,000 subjects, 20,000 scans) in under a few seconds', () => {
    const started = performance.now();
    const large = largeFakeArchive();
    const elapsed = performance.now() - started;
    const totals = fakeXnatArchiveTotals(large);
    expect(totals.projects).toBe(1);
    expect(totals.subjects).toBe(5_000);
    expect(totals.scans).toBe(20_000);
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe('expectedXnatCohort (the oracle)', () => {
  const archive = defaultFakeArchive();
  const index = indexFakeXnatArchive(archive);

  it('with no criteria counts every subject, session and scan of subjects that have a scan', () => {
    const all = expectedXnatCohort(archive, undefined, {});
    const withScans = archive.subjects.filter((s) => (index.sessionsBySubject.get(s.id) ?? []).some((session) => (index.scansBySession.get(session.id) ?? []).length > 0));
    expect(all.subjects).toBe(withScans.length);
    expect(all.series).toBe(archive.scans.length);
    expect(all.studies).toBe(archive.sessions.filter((s) => (index.scansBySession.get(s.id) ?? []).length > 0).length);
    expect(all.subjects).toBe(all.byProject.reduce((sum, p) => sum + p.subjects, 0));
    // Subjects archived without sessions are real XNAT records but count in no cohort.
    expect(archive.subjects.length).toBeGreaterThan(all.subjects);
  });

  it('restricts to one project and to the projects of a cancer type (a project without a type never matches)', () => {
    const lung = expectedXnatCohort(archive, 'LUNG_CT', {});
    expect(lung.byProject.map((p) => p.project)).toEqual(['LUNG_CT']);
    expect(expectedXnatCohort(archive, undefined, { cancerTypes: ['LUNG'] })).toEqual(lung);
    expect(expectedXnatCohort(archive, undefined, { datasetLocalIds: ['LUNG_CT'] })).toEqual(lung);
    const typed = expectedXnatCohort(archive, undefined, { cancerTypes: ['LUNG', 'PROSTATE', 'GLIOBLASTOMA'] });
    expect(typed.byProject.map((p) => p.project)).not.toContain('QA_PHANTOM');
  });

  it('partitions subjects by sex from gender: male, female, other, and unknown or empty as UNKNOWN', () => {
    const all = expectedXnatCohort(archive, undefined, {});
    const parts = (['MALE', 'FEMALE', 'OTHER', 'UNKNOWN'] as const).map((sex) => expectedXnatCohort(archive, undefined, { sex: [sex] }).subjects);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(all.subjects);
    expect(parts.every((n) => n > 0)).toBe(true);
    expect(sexOfGender('')).toBe('UNKNOWN');
    expect(sexOfGender('unknown')).toBe('UNKNOWN');
    expect(sexOfGender('Female')).toBe('FEMALE');
    expect(sexOfGender('other')).toBe('OTHER');
  });

  it('derives the age at the earliest session from age, else dob, else yob; a subject of unknown age matches no age range', () => {
    expect(wholeYearsBetween('1960-05-17', '2021-05-16')).toBe(60);
    expect(wholeYearsBetween('1960-05-17', '2021-05-17')).toBe(61);
    const all = expectedXnatCohort(archive, undefined, {});
    const anyAge = expectedXnatCohort(archive, undefined, { ageAtDiagnosis: { min: 0, max: 150 } });
    const known = archive.subjects.filter((s) => {
      const sessions = index.sessionsBySubject.get(s.id) ?? [];
      return sessions.some((x) => (index.scansBySession.get(x.id) ?? []).length > 0) && subjectAgeAtFirstSession(s, sessions) !== undefined;
    });
    expect(anyAge.subjects).toBe(known.length);
    expect(anyAge.subjects).toBeLessThan(all.subjects);
    const young = expectedXnatCohort(archive, undefined, { ageAtDiagnosis: { max: 49 } }).subjects;
    const old = expectedXnatCohort(archive, undefined, { ageAtDiagnosis: { min: 50 } }).subjects;
    expect(young + old).toBe(anyAge.subjects);
  });

  it('selects scans by modality, body part (case and spaces ignored) and manufacturer (case-insensitive)', () => {
    const mr = expectedXnatCohort(archive, undefined, { modalities: ['MR'] });
    expect(mr.byProject.map((p) => p.project)).toEqual(expect.arrayContaining(['BRAIN_MR', 'PROSTATE_MR']));
    expect(mr.byProject.map((p) => p.project)).not.toContain('LUNG_CT');
    const wholeBody = expectedXnatCohort(archive, undefined, { bodyParts: ['WHOLEBODY'] });
    expect(wholeBody.series).toBe(archive.scans.filter((s) => s.bodyPartExamined.toUpperCase().replace(/\s+/g, '') === 'WHOLEBODY').length);
    expect(expectedXnatCohort(archive, undefined, { manufacturers: ['siemens'] })).toEqual(expectedXnatCohort(archive, undefined, { manufacturers: ['SIEMENS'] }));
    const seg = expectedXnatCohort(archive, undefined, { modalities: ['SEG'] });
    expect(seg.series).toBe(archive.scans.filter((s) => s.modality === 'SEG').length);
  });

  it('counts a study and a subject once however many of their scans match', () => {
    const ct = expectedXnatCohort(archive, 'LUNG_CT', { modalities: ['CT'] });
    expect(ct.series).toBeGreaterThan(ct.studies);
    expect(ct.studies).toBeGreaterThanOrEqual(ct.subjects);
  });
});

describe('forbiddenXnatValues', () => {
  const archive = defaultFakeArchive();
  const forbidden = new Set(forbiddenXnatValues(archive));

  it('lists the name-like subject labels, dates of birth, DICOM patient names and ids, and PI names', () => {
    for (const s of archive.subjects) {
      if (s.labelLooksLikeName) expect(forbidden).toContain(s.label);
      if (s.dob !== undefined) expect(forbidden).toContain(s.dob);
    }
    for (const session of archive.sessions) {
      expect(forbidden).toContain(session.dcmPatientId);
      expect(forbidden).toContain(session.dcmAccessionNumber);
    }
    for (const p of archive.projects) expect(forbidden).toContain(`${p.piFirstname} ${p.piLastname}`);
  });

  it('does not list values a subgraph may legitimately return (ids, UIDs, pseudonymous labels)', () => {
    const allowed = [
      ...archive.projects.map((p) => p.id),
      ...archive.subjects.map((s) => s.id),
      ...archive.sessions.map((s) => s.uid),
      ...archive.scans.map((s) => s.uid),
      ...archive.subjects.filter((s) => !s.labelLooksLikeName).map((s) => s.label),
    ];
    for (const value of allowed) expect(forbidden.has(value)).toBe(false);
  });
});
