import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Deterministic synthetic DICOM for the Orthanc tests and the local demo.
 *
 * The files come from `fixtures/build_sample_dicom.py`, which derives them from the test
 * files Debian's python3-pydicom ships (see the script's docstring for the spec format).
 * This module runs it, validates the manifest it writes, and answers what an Orthanc
 * loaded with those files must report: per-site totals, the identifiers that must never
 * leave a subgraph, and cohort counts for given criteria.
 */

/** Debian's interpreter: a pyenv or venv `python3` on PATH does not see apt's pydicom. */
export const SAMPLE_DICOM_PYTHON = '/usr/bin/python3';
/** Resolved from this module, so it works from src/ (tsx, vitest) and from dist/ alike. */
export const SAMPLE_DICOM_SCRIPT = fileURLToPath(new URL('../../fixtures/build_sample_dicom.py', import.meta.url));

/** The sites the built-in spec writes. */
export const SAMPLE_DICOM_SITES = ['orthanc-a', 'orthanc-b'] as const;

const dicomDate = z.string().regex(/^\d{8}$/, 'a DICOM date (YYYYMMDD)');
const uid = z.string().max(64).regex(/^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))+$/, 'a DICOM UID');
const sex = z.enum(['F', 'M', 'O', '']);

const identifiersSchema = z.strictObject({
  PatientID: z.string().min(1),
  PatientName: z.string().min(1),
  PatientBirthDate: dicomDate,
  AccessionNumber: z.string().min(1),
  ReferringPhysicianName: z.string().min(1),
  PerformingPhysicianName: z.string().min(1),
  OperatorsName: z.string().min(1),
  InstitutionAddress: z.string().min(1),
  ClinicalTrialSubjectID: z.string().min(1),
});

const fileSchema = z.strictObject({
  /** In manifest.json: relative to the output directory, "/"-separated (see SampleDicomFile). */
  path: z.string().min(1).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a relative path inside the output directory'),
  site: z.string().min(1),
  /** ClinicalTrialProtocolID: the Orthanc grouping that makes a dataset. */
  dataset: z.string().min(1),
  /** The subject's number within its dataset (paths use it instead of the PatientID). */
  subjectIndex: z.number().int().positive(),
  identifiers: identifiersSchema,
  sex,
  /** PatientAge as written ("063Y"), or null when the file has none. */
  patientAge: z.string().regex(/^\d{3}[DWMY]$/).nullable(),
  /** Whole years at the study date: as written, else derived from birth and study date. */
  ageYears: z.number().int().nonnegative(),
  studyDate: dicomDate,
  studyTime: z.string().regex(/^\d{6}$/),
  studyInstanceUid: uid,
  seriesInstanceUid: uid,
  sopInstanceUid: uid,
  sopClassUid: uid,
  frameOfReferenceUid: uid,
  modality: z.enum(['CT', 'MR', 'PT', 'SEG', 'RTSTRUCT']),
  bodyPart: z.string().min(1),
  manufacturer: z.string().min(1),
  institutionName: z.string().min(1),
  studyDescription: z.string(),
  seriesDescription: z.string(),
  seriesNumber: z.number().int(),
  instanceNumber: z.number().int().positive(),
  /** SEG and RTSTRUCT: the image series they segment; empty for images. */
  referencedSeriesInstanceUids: z.array(uid),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const siteTotalsSchema = z.strictObject({
  patients: z.number().int().nonnegative(),
  subjects: z.number().int().nonnegative(),
  studies: z.number().int().nonnegative(),
  series: z.number().int().nonnegative(),
  instances: z.number().int().nonnegative(),
});

const manifestSchema = z.strictObject({
  schemaVersion: z.literal(1),
  generator: z.string(),
  seed: z.number().int().nonnegative(),
  specSha256: z.string().regex(/^[0-9a-f]{64}$/),
  sites: z.array(z.strictObject({
    id: z.string().min(1),
    institutionName: z.string().min(1),
    datasets: z.array(z.strictObject({ id: z.string().min(1), protocolName: z.string(), cancerType: z.string().nullable() })),
  })).min(1),
  totals: z.record(z.string(), siteTotalsSchema),
  files: z.array(fileSchema),
});

export type SampleDicomSex = z.infer<typeof sex>;
export type SampleDicomIdentifiers = z.infer<typeof identifiersSchema>;
export type SampleDicomSiteTotals = z.infer<typeof siteTotalsSchema>;
/**
 * One file of the set. `path` is absolute (ready for uploadDicomFiles); the manifest on disk
 * stores it relative to the output directory, kept here as `relativePath`.
 */
export type SampleDicomFile = z.infer<typeof fileSchema> & {
  readonly relativePath: string;
};
export type SampleDicomManifest = Omit<z.infer<typeof manifestSchema>, 'files'> & {
  readonly outDir: string;
  readonly files: readonly SampleDicomFile[];
};

export interface BuildSampleDicomOptions {
  /** Created when missing; must be empty unless `overwrite`. */
  readonly outDir: string;
  /** Seeds every UID and random choice. Default 1. */
  readonly seed?: number;
  /** A JSON spec; default the script's built-in one (two sites, three datasets). */
  readonly specFile?: string;
  /** Replace a previous sample set in outDir (only the spec's site folders and the manifest). */
  readonly overwrite?: boolean;
  /** Default {@link SAMPLE_DICOM_PYTHON}. */
  readonly python?: string;
  /** Default 120 s; the default set takes a second or two. */
  readonly timeoutMs?: number;
}

/** Whether the generator can run here: the script exists and the interpreter imports pydicom. */
export function sampleDicomAvailable(python: string = SAMPLE_DICOM_PYTHON): boolean {
  if (!existsSync(SAMPLE_DICOM_SCRIPT) || !existsSync(python)) return false;
  const result = spawnSync(python, ['-c', 'import pydicom'], { stdio: 'ignore', timeout: 15_000 });
  return result.status === 0;
}

/** Runs the generator and returns its validated manifest. */
export async function buildSampleDicom(options: BuildSampleDicomOptions): Promise<SampleDicomManifest> {
  const python = options.python ?? SAMPLE_DICOM_PYTHON;
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer; got ${seed}`);
  const outDir = path.resolve(options.outDir);
  const args = [SAMPLE_DICOM_SCRIPT, '--out', outDir, '--seed', String(seed)];
  if (options.specFile) args.push('--spec', path.resolve(options.specFile));
  if (options.overwrite) args.push('--overwrite');
  const { code, stderr } = await run(python, args, options.timeoutMs ?? 120_000);
  if (code !== 0) {
    const hint = code === 2 ? ' (pydicom is missing: apt-get install python3-pydicom)' : '';
    throw new Error(`build_sample_dicom.py exited with ${code}${hint}: ${stderr.trim().slice(-2_000)}`);
  }
  return loadSampleDicomManifest(outDir);
}

/** Reads and validates DIR/manifest.json of a set built earlier. */
export async function loadSampleDicomManifest(outDir: string): Promise<SampleDicomManifest> {
  const root = path.resolve(outDir);
  const file = path.join(root, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the sample DICOM manifest ${file}: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`the sample DICOM manifest ${file} is malformed: ${z.prettifyError(parsed.error)}`);
  return {
    ...parsed.data,
    outDir: root,
    files: parsed.data.files.map((record) => ({ ...record, relativePath: record.path, path: path.join(root, ...record.path.split('/')) })),
  };
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-16_000); });
    child.once('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (signal) resolve({ code: -1, stderr: `${stderr}\nkilled by ${signal} (timeout ${timeoutMs} ms?)` });
      else resolve({ code: code ?? -1, stderr });
    });
  });
}

/** The files of one site, in manifest order; throws on a site the manifest does not have. */
export function filesOfSite(manifest: SampleDicomManifest, site: string): SampleDicomFile[] {
  if (!manifest.sites.some((s) => s.id === site)) {
    throw new Error(`no site "${site}" in the sample DICOM manifest (sites: ${manifest.sites.map((s) => s.id).join(', ')})`);
  }
  return manifest.files.filter((file) => file.site === site);
}

/**
 * What an Orthanc holding exactly one site's files reports in GET /statistics. Orthanc
 * keys patients by PatientID, so a patient enrolled in two datasets is one patient here
 * and two subjects in {@link expectedCohort}.
 */
export function siteStatistics(manifest: SampleDicomManifest, site: string): { patients: number; studies: number; series: number; instances: number } {
  const files = filesOfSite(manifest, site);
  return {
    patients: new Set(files.map((f) => f.identifiers.PatientID)).size,
    studies: new Set(files.map((f) => f.studyInstanceUid)).size,
    series: new Set(files.map((f) => f.seriesInstanceUid)).size,
    instances: files.length,
  };
}

/** Person-name identifiers: their name parts are forbidden too, in any arrangement. */
const PERSON_NAME_KEYS = ['PatientName', 'ReferringPhysicianName', 'PerformingPhysicianName', 'OperatorsName'] as const;

/**
 * Every direct identifier written into the files, for leak tests: no response of the graph
 * may contain one. Besides whole values, it lists the family, given and middle name parts
 * of every person name that are at least 4 characters long, because a leak may reformat
 * "PEETERS^ANNA" as "Anna Peeters". Shorter parts and name prefixes and suffixes ("DR",
 * "PROF") are left out: they occur in ordinary text and would make such tests flaky.
 * Sorted and without duplicates.
 */
export function forbiddenIdentifierValues(manifest: SampleDicomManifest): string[] {
  const values = new Set<string>();
  for (const file of manifest.files) {
    for (const value of Object.values(file.identifiers)) if (value.length > 0) values.add(value);
    for (const key of PERSON_NAME_KEYS) {
      for (const part of file.identifiers[key].split('^').slice(0, 3)) {
        const trimmed = part.trim();
        if (trimmed.length >= 4) values.add(trimmed);
      }
    }
  }
  return [...values].sort();
}

/** Completed years between two DICOM dates (YYYYMMDD), as PatientAge counts them. */
export function wholeYearsBetween(birthDate: string, onDate: string): number {
  const [by, bm, bd] = [birthDate.slice(0, 4), birthDate.slice(4, 6), birthDate.slice(6, 8)].map(Number) as [number, number, number];
  const [oy, om, od] = [onDate.slice(0, 4), onDate.slice(4, 6), onDate.slice(6, 8)].map(Number) as [number, number, number];
  return oy - by - (om < bm || (om === bm && od < bd) ? 1 : 0);
}

/** A DICOM Age String ("063Y", "018M", "010W", "030D") in completed years. */
export function dicomAgeYears(value: string): number {
  const match = /^(\d{3})([DWMY])$/.exec(value);
  if (!match) throw new Error(`"${value}" is not a DICOM age string`);
  const n = Number(match[1]);
  switch (match[2]) {
    case 'Y': return n;
    case 'M': return Math.floor(n / 12);
    case 'W': return Math.floor((n * 7) / 365.25);
    default: return Math.floor(n / 365.25);
  }
}

export interface SampleCohortCriteria {
  /** ClinicalTrialProtocolID values. */
  readonly datasets?: readonly string[];
  /** Cancer types as the spec declares them per dataset (manifest.sites[].datasets[].cancerType). */
  readonly cancerTypes?: readonly string[];
  readonly modalities?: readonly string[];
  readonly bodyParts?: readonly string[];
  /** Compared case-insensitively, whole value, after trimming. */
  readonly manufacturers?: readonly string[];
  readonly sex?: readonly SampleDicomSex[];
  /** Inclusive bounds on the subject's age in whole years. */
  readonly ageMin?: number;
  readonly ageMax?: number;
}

export interface SampleCohortCounts {
  readonly subjects: number;
  readonly studies: number;
  readonly series: number;
}

export interface SampleCohort extends SampleCohortCounts {
  /** Per dataset with at least one counted series, sorted by id (as the kit's CohortCountRecord). */
  readonly byDataset: readonly (SampleCohortCounts & { readonly dataset: string })[];
}

/**
 * The oracle the Orthanc tests compare a site's cohort answer with, computed from the
 * manifest alone (no DICOM, no Orthanc). Semantics, as the contract's CohortCriteria:
 *
 * - A subject is a PatientID within a dataset (ClinicalTrialProtocolID): a patient
 *   enrolled in two datasets is two subjects, one per dataset, each with only the
 *   studies of its dataset. This is why counting Orthanc patients is not enough.
 * - Subject-level criteria select subjects: dataset, cancer type (of the dataset), sex
 *   (the DICOM value; '' is unknown) and age. A subject's age is its age at its earliest
 *   study in the dataset, in whole years: PatientAge when the files carry it, else
 *   derived from PatientBirthDate and StudyDate. Later studies do not make it older.
 * - Series-level criteria select series: modality, body part, manufacturer.
 * - Any-of within a field, all-of across fields; an absent or empty field does not filter.
 * - A series counts when its subject is selected and it matches; a study or subject
 *   counts when it has at least one counted series. With no series-level criteria every
 *   series of a selected subject matches, so the counts are those subjects' totals.
 * - Site totals are the sums over datasets (a study belongs to exactly one dataset).
 */
export function expectedCohort(manifest: SampleDicomManifest, site: string, criteria: SampleCohortCriteria = {}): SampleCohort {
  const cancerTypeOf = new Map<string, string | null>();
  for (const dataset of manifest.sites.find((s) => s.id === site)?.datasets ?? []) cancerTypeOf.set(dataset.id, dataset.cancerType);
  const bySubject = new Map<string, SampleDicomFile[]>();
  for (const file of filesOfSite(manifest, site)) {
    const key = `${file.dataset}\u0000${file.identifiers.PatientID}`;
    const files = bySubject.get(key);
    if (files) files.push(file);
    else bySubject.set(key, [file]);
  }
  const anyOf = <T>(wanted: readonly T[] | undefined, value: T): boolean => !wanted || wanted.length === 0 || wanted.includes(value);
  const manufacturers = criteria.manufacturers?.map((m) => m.trim().toUpperCase());

  const perDataset = new Map<string, { subjects: number; studies: Set<string>; series: Set<string> }>();
  for (const files of bySubject.values()) {
    const first = files[0]!;
    if (!anyOf(criteria.datasets, first.dataset)) continue;
    if (criteria.cancerTypes?.length && !criteria.cancerTypes.includes(cancerTypeOf.get(first.dataset) ?? '')) continue;
    if (!anyOf(criteria.sex, first.sex)) continue;
    if (criteria.ageMin !== undefined || criteria.ageMax !== undefined) {
      const age = subjectAge(files);
      if (criteria.ageMin !== undefined && age < criteria.ageMin) continue;
      if (criteria.ageMax !== undefined && age > criteria.ageMax) continue;
    }
    const matching = files.filter((file) =>
      anyOf(criteria.modalities, file.modality)
      && anyOf(criteria.bodyParts, file.bodyPart)
      && anyOf(manufacturers, file.manufacturer.trim().toUpperCase()));
    if (matching.length === 0) continue;
    let counts = perDataset.get(first.dataset);
    if (!counts) perDataset.set(first.dataset, (counts = { subjects: 0, studies: new Set(), series: new Set() }));
    counts.subjects += 1;
    for (const file of matching) {
      counts.studies.add(file.studyInstanceUid);
      counts.series.add(file.seriesInstanceUid);
    }
  }
  const byDataset = [...perDataset]
    .map(([dataset, c]) => ({ dataset, subjects: c.subjects, studies: c.studies.size, series: c.series.size }))
    .sort((a, b) => (a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0));
  return {
    subjects: byDataset.reduce((sum, d) => sum + d.subjects, 0),
    studies: byDataset.reduce((sum, d) => sum + d.studies, 0),
    series: byDataset.reduce((sum, d) => sum + d.series, 0),
    byDataset,
  };
}

/** Age at the earliest study of one subject's files (see {@link expectedCohort}). */
export function subjectAge(files: readonly SampleDicomFile[]): number {
  if (files.length === 0) throw new Error('a subject has at least one file');
  const earliest = files.reduce((a, b) => (`${b.studyDate}${b.studyTime}` < `${a.studyDate}${a.studyTime}` ? b : a));
  const ofStudy = files.filter((f) => f.studyInstanceUid === earliest.studyInstanceUid);
  const written = ofStudy.find((f) => f.patientAge !== null)?.patientAge;
  return written ? dicomAgeYears(written) : wholeYearsBetween(earliest.identifiers.PatientBirthDate, earliest.studyDate);
}
