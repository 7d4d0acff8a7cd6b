import type { CancerType, Sex } from '@cancer-imaging/schema';
import type { DicomSex, SegmentationIndexRow, SeriesIndexRow, SubjectIndexRows } from '../adapter/custom-index.js';
import { CANCER_PROFILES, SEGMENTATION_SOFTWARE, type CancerProfile, type StudyTemplate } from './demo-profiles.js';
import { DemoSpecError, type DemoDatasetSpec, type DemoSpec } from './demo-spec.js';
import { fakePatientName } from './names.js';
import { createRandom, type Random } from './random.js';
import { demoUid } from './uids.js';

/**
 * The deterministic demo generator: for every demo dataset, exactly `subjects` synthetic
 * subjects, each with 1-4 studies of 2-12 series, some with a segmentation series (DICOM SEG
 * or RTSTRUCT) of one of the study's image series. Everything follows from the seed: each
 * dataset draws from its own stream (seed + site + dataset), so editing one dataset leaves
 * the others' data as it was.
 *
 * Bump DEMO_GENERATOR_VERSION whenever a change here or in the index schema changes the
 * output: the demo cache key includes it, so every deployment rebuilds.
 */
export const DEMO_GENERATOR_VERSION = 3;
export const DEFAULT_DEMO_SEED = 'cancer-imaging-graph-demo';

export const DIAGNOSIS_YEARS = [2010, 2024] as const;
const LAST_STUDY_YEAR = 2025;
const STUDIES_PER_SUBJECT = [[1, 0.35], [2, 0.3], [3, 0.2], [4, 0.15]] as const;
const MISSING_AGE = 0.02;
const MISSING_BODY_PART = 0.01;
const SEGMENTED_STUDY = 0.3;
/** Derived objects get series numbers apart from the acquired ones, as workstations number them. */
const SEGMENTATION_SERIES_NUMBER = 1001;
const DICOM_SEX: Readonly<Record<Sex, DicomSex>> = { FEMALE: 'F', MALE: 'M', OTHER: 'O', UNKNOWN: '' };

interface TypePlan {
  readonly profile: CancerProfile;
  readonly sex: readonly (readonly [Sex, number])[];
  readonly ageLimits: readonly [number, number];
  readonly templates: readonly StudyTemplate[];
}

interface DatasetPlan {
  readonly dataset: DemoDatasetSpec;
  readonly types: ReadonlyMap<CancerType, TypePlan>;
  readonly segmentationFormats: readonly DemoSegmentationFormat[];
}

type DemoSegmentationFormat = keyof typeof SEGMENTATION_SOFTWARE;
/** A segmentation is itself a series; its Modality by format. */
const SEGMENTATION_MODALITY = { DICOM_SEG: 'SEG', RTSTRUCT: 'RTSTRUCT' } as const satisfies Record<DemoSegmentationFormat, string>;

/** Narrows each cancer type's profile to what the dataset declares; throws if nothing is left. */
function planDataset(dataset: DemoDatasetSpec): DatasetPlan {
  const name = `demo dataset ${dataset.siteId}/${dataset.localId}`;
  const modalities = new Set<string>(dataset.modalities);
  const bodyParts = new Set<string>(dataset.bodyParts);
  const manufacturers = new Set(dataset.manufacturers);
  const types = new Map<CancerType, TypePlan>();
  for (const type of dataset.cancerTypes) {
    const profile = CANCER_PROFILES[type];
    const templates = profile.studies.flatMap((template): StudyTemplate[] => {
      if (modalities.size > 0 && !template.protocol.every((step) => modalities.has(step.modality))) return [];
      const parts = bodyParts.size > 0 ? template.bodyParts.filter(([part]) => bodyParts.has(part)) : template.bodyParts;
      if (parts.length === 0) return [];
      const vendors = manufacturers.size > 0 ? template.manufacturers.filter(([vendor]) => manufacturers.has(vendor)) : template.manufacturers;
      // A declared fleet the profile does not know: use it as declared, evenly.
      const fleet = vendors.length > 0 ? vendors : dataset.manufacturers.map((vendor) => [vendor, 1] as const);
      return [{ ...template, bodyParts: parts, manufacturers: fleet }];
    });
    if (templates.length === 0) {
      throw new DemoSpecError(`${name}: no ${type} study type fits the declared modalities (${dataset.modalities.join(', ')}) and body parts (${dataset.bodyParts.join(', ')})`);
    }
    const sex = dataset.sex.length > 0 ? profile.sex.filter(([s]) => dataset.sex.includes(s)) : profile.sex;
    if (sex.length === 0) throw new DemoSpecError(`${name}: no ${type} patient fits the declared sex (${dataset.sex.join(', ')})`);
    const low = Math.max(profile.ageLimits[0], dataset.ageRange.min ?? Number.NEGATIVE_INFINITY);
    const high = Math.min(profile.ageLimits[1], dataset.ageRange.max ?? Number.POSITIVE_INFINITY);
    if (low > high) throw new DemoSpecError(`${name}: the declared age range does not overlap ${type} ages ${profile.ageLimits.join('-')}`);
    types.set(type, { profile, sex, ageLimits: [low, high], templates });
  }
  const segmentationFormats: DemoSegmentationFormat[] = [];
  if (modalities.has('SEG')) segmentationFormats.push('DICOM_SEG');
  if (modalities.has('RTSTRUCT')) segmentationFormats.push('RTSTRUCT');
  return { dataset, types, segmentationFormats };
}

/** Yields every demo subject's rows, dataset by dataset, in a fixed order. */
export function* generateDemoRows(spec: DemoSpec, seed: string = DEFAULT_DEMO_SEED): Generator<SubjectIndexRows> {
  // Plan every dataset first, so a bad spec fails before anything is written.
  const plans = spec.datasets.map(planDataset);
  const patientsPerSite = new Map<string, number>();
  for (const plan of plans) {
    const { siteId, localId } = plan.dataset;
    const random = createRandom(`${seed}\u0000${siteId}\u0000${localId}`);
    for (let i = 0; i < plan.dataset.subjects; i++) {
      const number = (patientsPerSite.get(siteId) ?? 0) + 1;
      patientsPerSite.set(siteId, number);
      yield generateSubject(plan, random, `PAT${String(number).padStart(7, '0')}`);
    }
  }
}

function generateSubject(plan: DatasetPlan, random: Random, patientId: string): SubjectIndexRows {
  const { siteId, localId: datasetId } = plan.dataset;
  const diagnosis = random.pick(plan.dataset.cancerTypes);
  const type = plan.types.get(diagnosis)!;
  const sex = random.weighted(type.sex);
  const ageAtDiagnosis = random.chance(MISSING_AGE) ? null : sampleAge(random, type);
  const yearOfDiagnosis = random.int(DIAGNOSIS_YEARS[0], DIAGNOSIS_YEARS[1]);
  const subject = {
    siteId,
    datasetId,
    patientId,
    patientName: fakePatientName(random, sex),
    birthDate: ageAtDiagnosis === null ? null : birthDate(random, yearOfDiagnosis, ageAtDiagnosis),
    sex: DICOM_SEX[sex],
    ageAtDiagnosis,
    diagnosis,
    yearOfDiagnosis,
  };

  const series: SeriesIndexRow[] = [];
  const segmentations: SegmentationIndexRow[] = [];
  let studyYear = yearOfDiagnosis;
  const studies = random.weighted(STUDIES_PER_SUBJECT);
  for (let s = 0; s < studies; s++) {
    // Staging in the year of diagnosis, then follow-up.
    if (s > 0) studyYear = Math.min(LAST_STUDY_YEAR, studyYear + random.int(0, 2));
    const template = random.weighted(type.templates.map((t) => [t, t.weight] as const));
    const bodyPart = random.weighted(template.bodyParts);
    const manufacturer = random.weighted(template.manufacturers);
    const study = { ...subject, studyUid: demoUid(random), studyYear, studyDescription: template.description };
    const count = random.int(template.series[0], template.series[1]);
    let segmentable: SeriesIndexRow | undefined;
    for (const [index, step] of template.protocol.slice(0, count).entries()) {
      const row: SeriesIndexRow = {
        ...study,
        seriesUid: demoUid(random),
        seriesNumber: index + 1,
        modality: step.modality,
        bodyPart: random.chance(MISSING_BODY_PART) ? null : bodyPart,
        manufacturer,
        seriesDescription: step.description,
        instanceCount: random.int(step.instances[0], step.instances[1]),
      };
      series.push(row);
      if (!segmentable && !step.localizer) segmentable = row;
    }
    if (segmentable && plan.segmentationFormats.length > 0 && random.chance(SEGMENTED_STUDY)) {
      const format = random.pick(plan.segmentationFormats);
      const label = random.pick(type.profile.segmentationLabels);
      const segUid = demoUid(random);
      series.push({
        ...study,
        seriesUid: segUid,
        seriesNumber: SEGMENTATION_SERIES_NUMBER,
        modality: SEGMENTATION_MODALITY[format],
        bodyPart: segmentable.bodyPart,
        manufacturer: SEGMENTATION_SOFTWARE[format],
        seriesDescription: `${label} (${SEGMENTATION_MODALITY[format]})`,
        instanceCount: 1,
      });
      segmentations.push({ siteId, segUid, format, seriesUid: segmentable.seriesUid, label });
    }
  }
  return { series, segmentations };
}

function sampleAge(random: Random, type: TypePlan): number {
  const [low, high] = type.ageLimits;
  // Redraw a few times before clamping, so a narrow declared range does not pile up at its ends.
  for (let tries = 0; tries < 8; tries++) {
    const age = type.profile.age(random);
    if (age >= low && age <= high) return age;
  }
  return Math.min(high, Math.max(low, type.profile.age(random)));
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** A birth date (DICOM DA) at which the patient is `age` on some day of the diagnosis year. */
function birthDate(random: Random, yearOfDiagnosis: number, age: number): string {
  const diagnosisDay = random.int(1, 365);
  const birthDay = random.int(1, 365);
  // Born later in the year than diagnosed: the birthday had not come yet.
  const year = yearOfDiagnosis - age - (birthDay > diagnosisDay ? 1 : 0);
  let month = 0;
  let day = birthDay;
  while (day > DAYS_IN_MONTH[month]!) day -= DAYS_IN_MONTH[month++]!;
  return `${String(year).padStart(4, '0')}${String(month + 1).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

export interface DemoDatasetTotals {
  readonly siteId: string;
  readonly localId: string;
  readonly subjects: number;
  readonly studies: number;
  readonly series: number;
  readonly segmentations: number;
}

export interface DemoTotals {
  readonly datasets: readonly DemoDatasetTotals[];
  readonly sites: number;
  readonly subjects: number;
  readonly studies: number;
  readonly series: number;
  readonly segmentations: number;
}

export interface DemoTally {
  add(subject: SubjectIndexRows): void;
  totals(): DemoTotals;
}

/** Counts subjects' rows per dataset as they stream past (the index build tallies while it writes). */
export function createDemoTally(): DemoTally {
  const datasets = new Map<string, { siteId: string; localId: string; subjects: number; studies: number; series: number; segmentations: number }>();
  return {
    add(subject) {
      const first = subject.series[0];
      if (!first) return;
      const key = `${first.siteId}\u0000${first.datasetId}`;
      let totals = datasets.get(key);
      if (!totals) {
        totals = { siteId: first.siteId, localId: first.datasetId, subjects: 0, studies: 0, series: 0, segmentations: 0 };
        datasets.set(key, totals);
      }
      totals.subjects++;
      totals.studies += new Set(subject.series.map((row) => row.studyUid)).size;
      totals.series += subject.series.length;
      totals.segmentations += subject.segmentations.length;
    },
    totals() {
      const list = [...datasets.values()].map((d) => ({ ...d }));
      const add = (key: 'subjects' | 'studies' | 'series' | 'segmentations') => list.reduce((sum, d) => sum + d[key], 0);
      return {
        datasets: list,
        sites: new Set(list.map((d) => d.siteId)).size,
        subjects: add('subjects'),
        studies: add('studies'),
        series: add('series'),
        segmentations: add('segmentations'),
      };
    },
  };
}

/** Tallies subjects' rows per dataset, in the order they come. */
export function tallyDemoRows(subjects: Iterable<SubjectIndexRows>): DemoTotals {
  const tally = createDemoTally();
  for (const subject of subjects) tally.add(subject);
  return tally.totals();
}

/** The totals the demo index will hold for this spec and seed (generates without writing). */
export function computeDemoTotals(spec: DemoSpec, seed: string = DEFAULT_DEMO_SEED): DemoTotals {
  return tallyDemoRows(generateDemoRows(spec, seed));
}
