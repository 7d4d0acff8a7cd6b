// FAKE for tests and the local demo: a synthetic XNAT archive. This is not XNAT and holds
// no real data; every name, date and UID below is generated from a seed.
import type { SiteCriteria } from '@cancer-imaging/provider-kit';
import { bodyPartFromDicom, modalityFromDicom, type CancerType, type Sex } from '@cancer-imaging/schema';

/**
 * A deterministic generator of an XNAT archive (projects, subjects, image sessions, scans
 * and ICR ROI-collection assessors) shaped like what an XNAT 1.8 site holds, plus the
 * oracle that says what a cohort query over it must count.
 *
 * The records keep XNAT's own field names and value forms (accession ids `XNAT_S00001`,
 * gender `male`/`female`/`unknown`/"", dates `YYYY-MM-DD`, scan ids "1", "2" ...), so the
 * fake server can answer them verbatim. Some subject labels look like patient names, and
 * sessions carry DICOM patient names and ids, as real archives do: they are bait that must
 * never leave a subgraph (see {@link forbiddenXnatValues}).
 */

// ---------------------------------------------------------------------------------------
// Seeded randomness

/** A small seeded generator: sfc32 over a 128-bit state hashed from the seed string. */
export interface FakeRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** An unsigned 32-bit integer. */
  uint32(): number;
}

function hashSeed(text: string): [number, number, number, number] {
  // Four FNV-1a style lanes with different offsets and a final avalanche per lane.
  const lanes = [0x811c9dc5, 0x01000193 ^ 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    for (let l = 0; l < 4; l++) lanes[l] = Math.imul(lanes[l]! ^ (c + l * 131), 0x01000193 + l * 2);
  }
  return lanes.map((h) => {
    let x = h >>> 0;
    x ^= x >>> 16; x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15; x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    return x >>> 0;
  }) as [number, number, number, number];
}

/** A generator whose whole output is fixed by `seed`. */
export function createFakeRandom(seed: string): FakeRandom {
  let [a, b, c, d] = hashSeed(seed);
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) uint32();
  const next = (): number => uint32() / 4294967296;
  return {
    next,
    uint32,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: <T>(entries: readonly (readonly [T, number])[]): T => {
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [value, w] of entries) {
        r -= w;
        if (r < 0) return value;
      }
      return entries[entries.length - 1]![0];
    },
  };
}

// ---------------------------------------------------------------------------------------
// The archive

export type XnatGender = 'male' | 'female' | 'other' | 'unknown' | '';
export type XnatSessionType = 'xnat:mrSessionData' | 'xnat:ctSessionData' | 'xnat:petSessionData';
export type XnatScanType = 'xnat:mrScanData' | 'xnat:ctScanData' | 'xnat:petScanData' | 'xnat:segScanData';
export type RoiCollectionType = 'SEG' | 'RTSTRUCT' | 'AIM';

export interface FakeXnatProject {
  readonly id: string;
  readonly secondaryId: string;
  readonly name: string;
  readonly description: string;
  /** Space-separated, as XNAT stores them. */
  readonly keywords: string;
  readonly piFirstname: string;
  readonly piLastname: string;
  /** The cancer type the project is curated under (the catalogue's dataset condition). */
  readonly cancerType: CancerType | null;
  readonly accessibility: 'private' | 'protected' | 'public';
  readonly insertDate: string;
}

export interface FakeXnatSubject {
  /** Accession id, e.g. XNAT_S00001. */
  readonly id: string;
  readonly project: string;
  /** Project-specific label: a pseudonym, or (bait) something that looks like a name. */
  readonly label: string;
  readonly labelLooksLikeName: boolean;
  readonly gender: XnatGender;
  /** YYYY-MM-DD, when the site recorded a full date of birth. */
  readonly dob?: string;
  readonly yob?: number;
  /** Age in whole years as entered in XNAT's demographics (no reference date). */
  readonly age?: number;
  readonly handedness?: 'right' | 'left' | 'ambidextrous';
  readonly group?: string;
  readonly insertDate: string;
  readonly insertUser: string;
}

export interface FakeXnatSession {
  /** Accession id, e.g. XNAT_E00001. */
  readonly id: string;
  readonly project: string;
  readonly subjectId: string;
  readonly label: string;
  readonly xsiType: XnatSessionType;
  /** imageSessionData/modality (DICOM term of the primary modality). */
  readonly modality: 'MR' | 'CT' | 'PT';
  /** YYYY-MM-DD, or "" for a session archived without a date. */
  readonly date: string;
  readonly time: string;
  /** StudyInstanceUID. */
  readonly uid: string;
  /** DICOM StationName, which XNAT stores as imageSessionData/scanner. */
  readonly scanner: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly sessionType: string;
  readonly fieldStrength?: string;
  readonly tracer?: string;
  /** Direct identifiers XNAT copies from the DICOM headers (bait). */
  readonly dcmPatientId: string;
  readonly dcmPatientName: string;
  readonly dcmAccessionNumber: string;
  readonly operator: string;
  readonly insertDate: string;
  readonly insertUser: string;
}

export interface FakeXnatScan {
  readonly sessionId: string;
  /** Scan id within the session: "1", "2", ... */
  readonly id: string;
  /** Site-wide numeric key, xnat_imagescandata_id. */
  readonly imageScanDataId: number;
  readonly xsiType: XnatScanType;
  readonly type: string;
  readonly seriesDescription: string;
  /** SeriesInstanceUID. */
  readonly uid: string;
  readonly frames: number;
  /** DICOM Modality as XNAT stored it (may be "" when the header had none). */
  readonly modality: string;
  /** DICOM BodyPartExamined as stored: case and spacing vary between scanners. */
  readonly bodyPartExamined: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly quality: 'usable' | 'questionable' | 'unusable';
  readonly note: string;
  readonly startTime: string;
}

export interface FakeXnatRoiCollection {
  readonly id: string;
  readonly xsiType: 'icr:roiCollectionData';
  readonly sessionId: string;
  readonly project: string;
  readonly subjectId: string;
  readonly label: string;
  readonly name: string;
  readonly collectionType: RoiCollectionType;
  readonly date: string;
  readonly time: string;
  /** SOPInstanceUID of the stored SEG/RTSTRUCT (or the AIM collection UID). */
  readonly uid: string;
  /** SeriesInstanceUIDs of the image scans it segments (references/seriesUID). */
  readonly referencedSeriesUids: readonly string[];
  readonly referencedScanIds: readonly string[];
  readonly insertDate: string;
}

export interface FakeXnatArchive {
  readonly seed: string;
  readonly projects: readonly FakeXnatProject[];
  readonly subjects: readonly FakeXnatSubject[];
  readonly sessions: readonly FakeXnatSession[];
  readonly scans: readonly FakeXnatScan[];
  readonly roiCollections: readonly FakeXnatRoiCollection[];
}

// ---------------------------------------------------------------------------------------
// The spec

/** Which acquisition protocols a project's sessions follow. */
export type FakeXnatProfile = 'LUNG_CT' | 'PROSTATE_MR' | 'BRAIN_MR' | 'BREAST_MR' | 'PHANTOM_QA';

export interface FakeXnatProjectSpec {
  readonly id: string;
  readonly secondaryId?: string;
  readonly name: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly pi: { readonly firstname: string; readonly lastname: string };
  readonly cancerType: CancerType | null;
  readonly profile: FakeXnatProfile;
  readonly subjects: number;
  /** Sessions per subject, inclusive range. Default [1, 3]. */
  readonly sessionsPerSubject?: readonly [number, number];
  /** Share of subjects archived without any session (they count in no cohort). Default 0. */
  readonly emptySubjectRate?: number;
  /** Scans per session, inclusive range. Default [2, 7]. */
  readonly scansPerSession?: readonly [number, number];
  /** When set, the project has exactly this many scans (spread within scansPerSession). */
  readonly totalScans?: number;
  /** Share of subjects whose label looks like a patient name. Default 0.15. */
  readonly nameLikeLabelRate?: number;
  /** Share of sessions with ROI collections. Default 0.3. */
  readonly roiCollectionRate?: number;
  /** Share of sessions with a DICOM SEG scan. Default 0.15. */
  readonly segScanRate?: number;
  readonly accessibility?: FakeXnatProject['accessibility'];
}

export interface FakeXnatArchiveSpec {
  readonly seed: string;
  /** Site prefix of accession ids (XNAT's default site id is "XNAT"). */
  readonly idPrefix?: string;
  readonly insertUser?: string;
  readonly projects: readonly FakeXnatProjectSpec[];
}

// ---------------------------------------------------------------------------------------
// Protocol tables

interface ScanProtocol {
  readonly xsiType: XnatScanType;
  readonly type: string;
  readonly description: string;
  readonly modality: string;
  readonly bodyParts: readonly string[];
  readonly frames: readonly [number, number];
}

interface SessionProtocol {
  readonly xsiType: XnatSessionType;
  readonly modality: FakeXnatSession['modality'];
  readonly sessionType: string;
  readonly weight: number;
  /** The first `required` scans always appear, the rest are drawn from `optional`. */
  readonly scans: readonly ScanProtocol[];
  readonly required: number;
  readonly labelCode: string;
}

const ct = (type: string, description: string, bodyParts: readonly string[], frames: readonly [number, number]): ScanProtocol =>
  ({ xsiType: 'xnat:ctScanData', type, description, modality: 'CT', bodyParts, frames });
const mr = (type: string, description: string, bodyParts: readonly string[], frames: readonly [number, number]): ScanProtocol =>
  ({ xsiType: 'xnat:mrScanData', type, description, modality: 'MR', bodyParts, frames });
const pt = (type: string, description: string, bodyParts: readonly string[], frames: readonly [number, number]): ScanProtocol =>
  ({ xsiType: 'xnat:petScanData', type, description, modality: 'PT', bodyParts, frames });

const PROFILES: Record<FakeXnatProfile, { readonly sessions: readonly SessionProtocol[]; readonly segBodyParts: readonly string[]; readonly labelPrefix: string; readonly genders: readonly (readonly [XnatGender, number])[]; readonly ages: readonly [number, number]; readonly rois: readonly string[] }> = {
  LUNG_CT: {
    labelPrefix: 'LUNG',
    genders: [['male', 44], ['female', 42], ['unknown', 5], ['', 5], ['other', 4]],
    ages: [42, 84],
    rois: ['GTV_lung', 'Nodule_1', 'Lungs', 'Heart', 'Oesophagus'],
    segBodyParts: ['CHEST', 'LUNG'],
    sessions: [
      {
        xsiType: 'xnat:ctSessionData', modality: 'CT', sessionType: 'Chest CT', weight: 3, required: 2, labelCode: 'CT',
        scans: [
          ct('Topogram', 'Topogram  0.6  T20f', ['CHEST', 'Chest'], [1, 2]),
          ct('Thorax 1.0 B70f', 'Thorax  1.0  B70f', ['CHEST', 'LUNG', 'Lung'], [250, 420]),
          ct('Thorax 3.0 B31f', 'Thorax  3.0  B31f', ['CHEST'], [90, 140]),
          ct('LUNG 5mm', 'LUNG 5mm', ['LUNG', 'CHEST'], [50, 80]),
          ct('MIP 10mm', 'MIP 10mm cor', ['CHEST'], [40, 60]),
          ct('Dose Report', 'Patient Protocol', [''], [1, 1]),
        ],
      },
      {
        xsiType: 'xnat:petSessionData', modality: 'PT', sessionType: 'FDG PET-CT', weight: 1, required: 2, labelCode: 'PET',
        scans: [
          ct('CT AC', 'CT WB 5.0 B31f', ['WHOLEBODY', 'WHOLE BODY'], [180, 320]),
          pt('PET WB AC', 'PET WB 3D AC', ['WHOLEBODY', 'WHOLE BODY'], [180, 320]),
          pt('PET WB NAC', 'PET WB 3D NAC', ['WHOLEBODY'], [180, 320]),
          ct('CT Thorax', 'Thorax 2.0 I30f', ['CHEST'], [120, 200]),
        ],
      },
    ],
  },
  PROSTATE_MR: {
    labelPrefix: 'PROST',
    genders: [['male', 92], ['unknown', 4], ['', 4]],
    ages: [48, 82],
    rois: ['Prostate', 'Lesion_PIRADS4', 'Lesion_PIRADS5', 'Peripheral_zone'],
    segBodyParts: ['PROSTATE'],
    sessions: [
      {
        xsiType: 'xnat:mrSessionData', modality: 'MR', sessionType: 'Prostate mpMRI', weight: 5, required: 2, labelCode: 'MR',
        scans: [
          mr('localizer', 'localizer', ['PELVIS', 'Pelvis'], [3, 9]),
          mr('t2_tse_tra', 't2_tse_tra', ['PROSTATE', 'Prostate'], [24, 36]),
          mr('t2_tse_sag', 't2_tse_sag', ['PROSTATE'], [20, 30]),
          mr('ep2d_diff_b50_800', 'ep2d_diff_b50_800_tra', ['PROSTATE', 'PELVIS'], [48, 96]),
          mr('ADC', 'ep2d_diff_b50_800_tra_ADC', ['PROSTATE'], [24, 32]),
          mr('DCE', 't1_vibe_dyn_tra', ['PELVIS'], [600, 1400]),
        ],
      },
      {
        xsiType: 'xnat:ctSessionData', modality: 'CT', sessionType: 'Staging CT', weight: 1, required: 1, labelCode: 'CT',
        scans: [
          ct('Abdomen 3.0', 'Abd/Pelvis 3.0 I30f', ['ABDOMEN', 'PELVIS'], [120, 240]),
          ct('Topogram', 'Topogram 0.6 T20f', ['ABDOMEN'], [1, 1]),
        ],
      },
    ],
  },
  BRAIN_MR: {
    labelPrefix: 'GLIO',
    genders: [['male', 48], ['female', 44], ['unknown', 3], ['', 3], ['other', 2]],
    ages: [22, 79],
    rois: ['Enhancing_tumour', 'Oedema', 'Necrosis', 'Resection_cavity'],
    segBodyParts: ['BRAIN'],
    sessions: [
      {
        xsiType: 'xnat:mrSessionData', modality: 'MR', sessionType: 'Brain tumour MRI', weight: 4, required: 2, labelCode: 'MR',
        scans: [
          mr('t1_mprage_sag', 't1_mprage_sag_p2_iso', ['BRAIN', 'HEAD', 'Brain'], [176, 192]),
          mr('t2_flair_tra', 't2_tirm_tra_dark-fluid', ['BRAIN', 'HEAD'], [25, 40]),
          mr('t1_mprage_post', 't1_mprage_sag_p2_iso_POST', ['BRAIN'], [176, 192]),
          mr('t2_tse_tra', 't2_tse_tra_512', ['BRAIN', 'HEAD'], [25, 40]),
          mr('DWI', 'ep2d_diff_3scan_trace', ['BRAIN'], [60, 120]),
          mr('perfusion', 'ep2d_perf', ['HEAD'], [1000, 2000]),
        ],
      },
      {
        xsiType: 'xnat:ctSessionData', modality: 'CT', sessionType: 'Head CT', weight: 1, required: 1, labelCode: 'CT',
        scans: [
          ct('Head 5.0', 'Head 5.0 H31s', ['HEAD'], [28, 36]),
          ct('Head 1.0', 'Head 1.0 H60s bone', ['HEAD'], [140, 180]),
        ],
      },
    ],
  },
  BREAST_MR: {
    labelPrefix: 'BRST',
    genders: [['female', 95], ['unknown', 3], ['', 2]],
    ages: [30, 78],
    rois: ['Tumour', 'Fibroglandular_tissue'],
    segBodyParts: ['BREAST'],
    sessions: [
      {
        xsiType: 'xnat:mrSessionData', modality: 'MR', sessionType: 'Breast DCE-MRI', weight: 1, required: 2, labelCode: 'MR',
        scans: [
          mr('t2_tse_tra', 't2_tse_tra_fs', ['BREAST'], [60, 90]),
          mr('DCE', 'fl3d_vibe_dyn_tra', ['BREAST', 'Breast'], [800, 1600]),
          mr('DWI', 'ep2d_diff_tra', ['BREAST'], [60, 120]),
        ],
      },
    ],
  },
  PHANTOM_QA: {
    labelPrefix: 'PHANTOM',
    genders: [['', 1]],
    ages: [0, 0],
    rois: ['Insert_1'],
    segBodyParts: [''],
    sessions: [
      {
        xsiType: 'xnat:ctSessionData', modality: 'CT', sessionType: 'QA', weight: 1, required: 1, labelCode: 'QA',
        scans: [ct('QA water', 'Water phantom 5.0', [''], [20, 30]), ct('QA slice', 'Slice thickness 1.0', [''], [60, 80])],
      },
    ],
  },
};

const MANUFACTURERS: readonly (readonly [{ manufacturer: string; models: readonly string[]; station: string }, number])[] = [
  [{ manufacturer: 'SIEMENS', models: ['SOMATOM Definition AS+', 'Skyra', 'Biograph mCT'], station: 'SIEMENS-AWP' }, 4],
  [{ manufacturer: 'GE MEDICAL SYSTEMS', models: ['Discovery MR750', 'Revolution CT', 'Discovery MI'], station: 'GEHC-CT01' }, 3],
  [{ manufacturer: 'Philips Medical Systems', models: ['Ingenia', 'iCT 256', 'Vereos'], station: 'PHILIPS-7H2' }, 2],
  [{ manufacturer: 'TOSHIBA', models: ['Aquilion ONE', 'Vantage Titan'], station: 'TSB-AQ1' }, 1],
];

/** Synthetic, European-looking names for the bait labels. */
const FAMILY_NAMES = ['JANSSEN', 'DE_VRIES', 'MUELLER', 'ROSSI', 'GARCIA', 'DUBOIS', 'NOWAK', 'JOHANSSON', 'PAPADOPOULOU', 'SILVA', 'KOWALSKI', 'NIELSEN', 'BAKKER', 'FISCHER', 'MARTIN', 'ESPOSITO', 'LOPEZ', 'NAGY', 'HORVAT', 'MURPHY', 'VIRTANEN', 'SCHMIDT', 'PEETERS', 'FERRARI'] as const;
const GIVEN_NAMES = ['ANNA', 'MARIA', 'PIETER', 'LUCA', 'SOFIA', 'JAN', 'ELENA', 'LARS', 'CLAIRE', 'MATEO', 'EVA', 'KLAUS', 'INES', 'TOMAS', 'GIULIA', 'HANNA', 'NIKOS', 'AOIFE', 'MIKKO', 'LEA'] as const;
const OPERATORS = ['MTRA_KOCH', 'RT_OLSEN', 'TECH_MORENO', 'RAD_TECH_ANGELOU'] as const;

// ---------------------------------------------------------------------------------------
// Generation

const DAY_MS = 86_400_000;
const EPOCH_START = Date.UTC(2013, 0, 1);
const EPOCH_DAYS = 11 * 365;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function uidOf(random: FakeRandom): string {
  // 2.25.<128-bit integer>: the UUID-derived UID form of DICOM PS3.5 B.2.
  let value = 0n;
  for (let i = 0; i < 4; i++) value = (value << 32n) | BigInt(random.uint32());
  return `2.25.${value === 0n ? 1n : value}`;
}

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function token(random: FakeRandom, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += TOKEN_CHARS[random.int(0, TOKEN_CHARS.length - 1)];
  return out;
}

function timeOf(random: FakeRandom, fromHour = 7, toHour = 19): string {
  return `${pad(random.int(fromHour, toHour), 2)}:${pad(random.int(0, 59), 2)}:${pad(random.int(0, 59), 2)}`;
}

function insertStamp(random: FakeRandom, date: string): string {
  const base = date === '' ? EPOCH_START + EPOCH_DAYS * DAY_MS : Date.parse(`${date}T00:00:00Z`);
  const ms = base + random.int(1, 40) * DAY_MS + random.int(0, DAY_MS - 1);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Scan counts per session that sum to `total`, each within [min, max]. */
function spreadScans(random: FakeRandom, sessions: number, total: number, min: number, max: number): number[] {
  if (sessions * min > total || sessions * max < total) {
    throw new Error(`cannot spread ${total} scans over ${sessions} sessions of ${min}..${max} scans`);
  }
  const counts = Array.from({ length: sessions }, () => random.int(min, max));
  let sum = counts.reduce((a, b) => a + b, 0);
  while (sum !== total) {
    const i = random.int(0, sessions - 1);
    if (sum < total && counts[i]! < max) { counts[i]! += 1; sum += 1; }
    else if (sum > total && counts[i]! > min) { counts[i]! -= 1; sum -= 1; }
  }
  return counts;
}

/** Builds an archive from a spec; the same spec always gives the same archive. */
export function buildFakeXnatArchive(spec: FakeXnatArchiveSpec): FakeXnatArchive {
  const prefix = spec.idPrefix ?? 'XNAT';
  const insertUser = spec.insertUser ?? 'admin';
  const projects: FakeXnatProject[] = [];
  const subjects: FakeXnatSubject[] = [];
  const sessions: FakeXnatSession[] = [];
  const scans: FakeXnatScan[] = [];
  const roiCollections: FakeXnatRoiCollection[] = [];
  let subjectSeq = 0;
  let experimentSeq = 0;
  let imageScanDataSeq = 0;
  const usedNames = new Set<string>();

  for (const projectSpec of spec.projects) {
    const random = createFakeRandom(`${spec.seed}|project|${projectSpec.id}`);
    const profile = PROFILES[projectSpec.profile];
    projects.push({
      id: projectSpec.id,
      secondaryId: projectSpec.secondaryId ?? projectSpec.id.replace(/_/g, ' '),
      name: projectSpec.name,
      description: projectSpec.description,
      keywords: projectSpec.keywords.join(' '),
      piFirstname: projectSpec.pi.firstname,
      piLastname: projectSpec.pi.lastname,
      cancerType: projectSpec.cancerType,
      accessibility: projectSpec.accessibility ?? 'private',
      insertDate: insertStamp(random, '2013-01-01'),
    });

    const [minSessions, maxSessions] = projectSpec.sessionsPerSubject ?? [1, 3];
    const [minScans, maxScans] = projectSpec.scansPerSession ?? [2, 7];
    const sessionCounts = Array.from({ length: projectSpec.subjects }, () => (random.chance(projectSpec.emptySubjectRate ?? 0) ? 0 : random.int(minSessions, maxSessions)));
    const sessionTotal = sessionCounts.reduce((a, b) => a + b, 0);
    const scanCounts = projectSpec.totalScans === undefined
      ? Array.from({ length: sessionTotal }, () => random.int(minScans, maxScans))
      : spreadScans(random, sessionTotal, projectSpec.totalScans, minScans, maxScans);
    let sessionIndex = 0;

    for (let s = 0; s < projectSpec.subjects; s++) {
      subjectSeq += 1;
      const subjectId = `${prefix}_S${pad(subjectSeq, 5)}`;
      const nameLike = random.chance(projectSpec.nameLikeLabelRate ?? 0.15);
      let label = `${profile.labelPrefix}_${pad(s + 1, projectSpec.subjects >= 1000 ? 4 : 3)}`;
      if (nameLike) {
        for (let attempt = 0; attempt < 50; attempt++) {
          const candidate = `${random.pick(FAMILY_NAMES)}_${random.pick(GIVEN_NAMES)}`;
          const key = `${projectSpec.id}|${candidate}`;
          if (!usedNames.has(key)) { usedNames.add(key); label = candidate; break; }
        }
      }
      const gender = random.weighted(profile.genders);
      const firstDay = random.int(0, EPOCH_DAYS - 3 * 365);
      const firstSessionMs = EPOCH_START + firstDay * DAY_MS;
      const ageAtFirst = random.int(profile.ages[0], profile.ages[1]);
      const birthMs = firstSessionMs - ageAtFirst * 365.25 * DAY_MS - random.int(0, 360) * DAY_MS;
      const ageForm = projectSpec.profile === 'PHANTOM_QA' ? 'none' : random.weighted([['dob', 35], ['yob', 25], ['age', 30], ['none', 10]] as const);
      const dob = ageForm === 'dob' ? isoDate(birthMs) : undefined;
      const yob = ageForm === 'yob' ? new Date(birthMs).getUTCFullYear() : undefined;
      const handedness = random.chance(0.3) ? random.weighted([['right', 8], ['left', 1.5], ['ambidextrous', 0.5]] as const) : undefined;
      const nSessions = sessionCounts[s]!;
      // The subject's demographics age is entered once, at the first visit.
      const subject: FakeXnatSubject = {
        id: subjectId,
        project: projectSpec.id,
        label,
        labelLooksLikeName: nameLike,
        gender,
        ...(dob !== undefined && { dob }),
        ...(yob !== undefined && { yob }),
        ...(ageForm === 'age' && { age: ageAtFirst }),
        ...(handedness !== undefined && { handedness }),
        ...(random.chance(0.2) && { group: random.pick(['control', 'treatment', 'screening']) }),
        insertDate: insertStamp(random, isoDate(firstSessionMs)),
        insertUser,
      };
      subjects.push(subject);

      const mrn = `MRN${pad(random.int(1_000_000, 9_999_999), 7)}`;
      const dicomName = nameLike ? label.replace(/_([^_]+)$/, '^$1') : `${profile.labelPrefix}^${pad(s + 1, 4)}`;
      let dayOffset = 0;
      const perCodeCount = new Map<string, number>();
      for (let k = 0; k < nSessions; k++) {
        const protocol = random.weighted(profile.sessions.map((p) => [p, p.weight] as const));
        const vendor = random.weighted(MANUFACTURERS);
        const model = random.pick(vendor.models);
        const undated = random.chance(0.02);
        const sessionMs = firstSessionMs + dayOffset * DAY_MS;
        dayOffset += random.int(30, 420);
        const date = undated ? '' : isoDate(sessionMs);
        const time = timeOf(random);
        experimentSeq += 1;
        const sessionId = `${prefix}_E${pad(experimentSeq, 5)}`;
        const n = (perCodeCount.get(protocol.labelCode) ?? 0) + 1;
        perCodeCount.set(protocol.labelCode, n);
        const session: FakeXnatSession = {
          id: sessionId,
          project: projectSpec.id,
          subjectId,
          label: `${label}_${protocol.labelCode}${n}`,
          xsiType: protocol.xsiType,
          modality: protocol.modality,
          date,
          time,
          uid: uidOf(random),
          scanner: `${vendor.station}${random.int(1, 3)}`,
          manufacturer: vendor.manufacturer,
          model,
          sessionType: protocol.sessionType,
          ...(protocol.modality === 'MR' && { fieldStrength: random.pick(['1.5', '3.0']) }),
          ...(protocol.modality === 'PT' && { tracer: 'FDG' }),
          dcmPatientId: mrn,
          dcmPatientName: dicomName,
          dcmAccessionNumber: `ACC${pad(random.int(100_000, 999_999), 6)}`,
          operator: random.pick(OPERATORS),
          insertDate: insertStamp(random, date),
          insertUser,
        };
        sessions.push(session);

        // Scans: the protocol's required series, then optional ones, then maybe a SEG.
        const wanted = scanCounts[sessionIndex]!;
        sessionIndex += 1;
        const withSeg = wanted >= 2 && random.chance(projectSpec.segScanRate ?? 0.15);
        const imageCount = withSeg ? wanted - 1 : wanted;
        const chosen: ScanProtocol[] = [];
        for (let i = 0; i < imageCount; i++) {
          chosen.push(i < protocol.required ? protocol.scans[i % protocol.scans.length]! : random.pick(protocol.scans.slice(protocol.required).length > 0 ? protocol.scans.slice(protocol.required) : protocol.scans));
        }
        const sessionScans: FakeXnatScan[] = [];
        chosen.forEach((p, i) => {
          imageScanDataSeq += 1;
          sessionScans.push({
            sessionId,
            id: String(i + 1),
            imageScanDataId: imageScanDataSeq,
            xsiType: p.xsiType,
            type: p.type,
            seriesDescription: p.description,
            uid: uidOf(random),
            frames: random.int(p.frames[0], p.frames[1]),
            // Now and then a header without Modality: XNAT then stores "".
            modality: random.chance(0.03) ? '' : p.modality,
            bodyPartExamined: random.pick(p.bodyParts),
            manufacturer: random.chance(0.05) ? vendor.manufacturer.toLowerCase() : vendor.manufacturer,
            model,
            quality: random.weighted([['usable', 90], ['questionable', 7], ['unusable', 3]] as const),
            note: '',
            startTime: time,
          });
        });
        if (withSeg) {
          imageScanDataSeq += 1;
          sessionScans.push({
            sessionId,
            id: String(300 + chosen.length + 1),
            imageScanDataId: imageScanDataSeq,
            xsiType: 'xnat:segScanData',
            type: 'SEG',
            seriesDescription: `${random.pick(profile.rois)} segmentation`,
            uid: uidOf(random),
            frames: random.int(1, 120),
            modality: 'SEG',
            bodyPartExamined: random.pick(profile.segBodyParts),
            manufacturer: 'QIICR',
            model: 'dcmqi',
            quality: 'usable',
            note: '',
            startTime: time,
          });
        }
        scans.push(...sessionScans);

        // ROI collections reference one or two of the session's image scans.
        const images = sessionScans.filter((x) => x.xsiType !== 'xnat:segScanData');
        if (images.length > 0 && random.chance(projectSpec.roiCollectionRate ?? 0.3)) {
          const count = random.int(1, 3);
          for (let r = 0; r < count; r++) {
            const collectionType = random.weighted([['RTSTRUCT', 4], ['SEG', 4], ['AIM', 1]] as const);
            const refs = [random.pick(images)];
            if (images.length > 1 && random.chance(0.25)) {
              const other = random.pick(images);
              if (other !== refs[0]) refs.push(other);
            }
            const roiDate = date === '' ? '' : isoDate(sessionMs + random.int(0, 30) * DAY_MS);
            const roiTime = timeOf(random);
            roiCollections.push({
              id: `RoiCollection_${token(random, 7)}_${token(random, 15)}`,
              xsiType: 'icr:roiCollectionData',
              sessionId,
              project: projectSpec.id,
              subjectId,
              label: `${collectionType}_${roiDate.replace(/-/g, '') || '00000000'}_${roiTime.replace(/:/g, '')}`,
              name: random.pick(profile.rois),
              collectionType,
              date: roiDate,
              time: roiTime,
              uid: uidOf(random),
              referencedSeriesUids: refs.map((x) => x.uid),
              referencedScanIds: refs.map((x) => x.id),
              insertDate: insertStamp(random, roiDate),
            });
          }
        }
      }
    }
  }
  return { seed: spec.seed, projects, subjects, sessions, scans, roiCollections };
}

// ---------------------------------------------------------------------------------------
// The built-in archives

/** The spec of {@link defaultFakeArchive}: three cancer projects and a QA project. */
export const DEFAULT_FAKE_XNAT_SPEC: FakeXnatArchiveSpec = {
  seed: 'cig-fake-xnat-default-v1',
  projects: [
    {
      id: 'LUNG_CT',
      name: 'Lung cancer CT and PET-CT cohort (synthetic)',
      description: 'Synthetic chest CT and FDG PET-CT sessions of non-small cell lung cancer patients, with RTSTRUCT and SEG contours.',
      keywords: ['lung', 'NSCLC', 'CT', 'PET', 'radiotherapy', 'synthetic'],
      pi: { firstname: 'Ingrid', lastname: 'VANDERBERGHE' },
      cancerType: 'LUNG',
      profile: 'LUNG_CT',
      subjects: 24,
      sessionsPerSubject: [1, 3],
      emptySubjectRate: 0.1,
    },
    {
      id: 'PROSTATE_MR',
      name: 'Prostate mpMRI cohort (synthetic)',
      description: 'Synthetic multiparametric prostate MRI with lesion segmentations and staging CT.',
      keywords: ['prostate', 'mpMRI', 'PI-RADS', 'synthetic'],
      pi: { firstname: 'Henrik', lastname: 'LINDQVIST' },
      cancerType: 'PROSTATE',
      profile: 'PROSTATE_MR',
      subjects: 20,
      sessionsPerSubject: [1, 2],
    },
    {
      id: 'BRAIN_MR',
      name: 'Glioblastoma MRI cohort (synthetic)',
      description: 'Synthetic pre- and post-operative brain MRI of glioblastoma patients, with tumour sub-region segmentations.',
      keywords: ['brain', 'glioblastoma', 'MRI', 'synthetic'],
      pi: { firstname: 'Chiara', lastname: 'BELLUCCI' },
      cancerType: 'GLIOBLASTOMA',
      profile: 'BRAIN_MR',
      subjects: 16,
      sessionsPerSubject: [1, 3],
    },
    {
      id: 'QA_PHANTOM',
      name: 'Scanner QA phantoms',
      description: 'Weekly CT phantom acquisitions; no patients.',
      keywords: ['QA', 'phantom'],
      pi: { firstname: 'Olaf', lastname: 'PEDERSEN' },
      cancerType: null,
      profile: 'PHANTOM_QA',
      subjects: 2,
      sessionsPerSubject: [1, 2],
      scansPerSession: [1, 2],
      nameLikeLabelRate: 0,
      roiCollectionRate: 0,
      segScanRate: 0,
    },
  ],
};

/** The spec of {@link largeFakeArchive}: one project of 5,000 subjects and 20,000 scans. */
export const LARGE_FAKE_XNAT_SPEC: FakeXnatArchiveSpec = {
  seed: 'cig-fake-xnat-large-v1',
  projects: [
    {
      id: 'LUNG_SCREEN_5K',
      name: 'Lung screening cohort, 5,000 subjects (synthetic)',
      description: 'A large synthetic lung CT screening project for scale tests.',
      keywords: ['lung', 'screening', 'CT', 'synthetic'],
      pi: { firstname: 'Marta', lastname: 'SOKOLOWSKA' },
      cancerType: 'LUNG',
      profile: 'LUNG_CT',
      subjects: 5_000,
      sessionsPerSubject: [1, 2],
      scansPerSession: [2, 4],
      totalScans: 20_000,
      roiCollectionRate: 0.1,
    },
  ],
};

/** The archive the fake server and the local demo serve by default. */
export function defaultFakeArchive(): FakeXnatArchive {
  return buildFakeXnatArchive(DEFAULT_FAKE_XNAT_SPEC);
}

/** A large single-project archive for scale tests (5,000 subjects, 20,000 scans). */
export function largeFakeArchive(): FakeXnatArchive {
  return buildFakeXnatArchive(LARGE_FAKE_XNAT_SPEC);
}

// ---------------------------------------------------------------------------------------
// Oracle

/** XNAT's gender as the contract's Sex. */
export function sexOfGender(gender: string): Sex {
  switch (gender.trim().toLowerCase()) {
    case 'male': return 'MALE';
    case 'female': return 'FEMALE';
    case 'other': return 'OTHER';
    default: return 'UNKNOWN';
  }
}

/** Whole years from `birth` to `on` (both YYYY-MM-DD). */
export function wholeYearsBetween(birth: string, on: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The subject's earliest dated session, if any. */
export function earliestSession(sessions: readonly FakeXnatSession[]): FakeXnatSession | undefined {
  let earliest: FakeXnatSession | undefined;
  for (const s of sessions) {
    if (s.date === '') continue;
    if (!earliest || `${s.date}T${s.time}` < `${earliest.date}T${earliest.time}`) earliest = s;
  }
  return earliest;
}

/**
 * Age in whole years at the subject's earliest session: the demographics age when entered,
 * else derived from the date (or year) of birth and that session's date; undefined when
 * none of these exist. This is XNAT's own AGE display field at that session.
 */
export function subjectAgeAtFirstSession(subject: FakeXnatSubject, sessions: readonly FakeXnatSession[]): number | undefined {
  if (subject.age !== undefined) return subject.age;
  const first = earliestSession(sessions);
  if (!first) return undefined;
  if (subject.dob !== undefined) return wholeYearsBetween(subject.dob, first.date);
  if (subject.yob !== undefined) return Number(first.date.slice(0, 4)) - subject.yob;
  return undefined;
}

/** The criteria the oracle understands: the kit's SiteCriteria. */
export type XnatCohortCriteria = Pick<SiteCriteria, 'cancerTypes' | 'modalities' | 'bodyParts' | 'manufacturers' | 'sex' | 'ageAtDiagnosis' | 'yearOfDiagnosis' | 'datasetLocalIds'>;

export interface XnatCohortCounts {
  readonly subjects: number;
  readonly studies: number;
  readonly series: number;
}

export interface XnatCohort extends XnatCohortCounts {
  /** Per project with at least one matching subject, sorted by project id. */
  readonly byProject: readonly (XnatCohortCounts & { readonly project: string })[];
}

/** Indexes of an archive by parent id, built once per archive. */
export interface FakeXnatIndex {
  readonly projectById: ReadonlyMap<string, FakeXnatProject>;
  readonly subjectById: ReadonlyMap<string, FakeXnatSubject>;
  readonly sessionById: ReadonlyMap<string, FakeXnatSession>;
  readonly subjectsByProject: ReadonlyMap<string, readonly FakeXnatSubject[]>;
  readonly sessionsBySubject: ReadonlyMap<string, readonly FakeXnatSession[]>;
  readonly sessionsByProject: ReadonlyMap<string, readonly FakeXnatSession[]>;
  readonly scansBySession: ReadonlyMap<string, readonly FakeXnatScan[]>;
  readonly roiCollectionsBySession: ReadonlyMap<string, readonly FakeXnatRoiCollection[]>;
  readonly roiCollectionById: ReadonlyMap<string, FakeXnatRoiCollection>;
}

const indexes = new WeakMap<FakeXnatArchive, FakeXnatIndex>();

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Lookup maps of an archive (cached per archive object). */
export function indexFakeXnatArchive(archive: FakeXnatArchive): FakeXnatIndex {
  let index = indexes.get(archive);
  if (!index) {
    index = {
      projectById: new Map(archive.projects.map((p) => [p.id, p])),
      subjectById: new Map(archive.subjects.map((s) => [s.id, s])),
      sessionById: new Map(archive.sessions.map((s) => [s.id, s])),
      subjectsByProject: group(archive.subjects, (s) => s.project),
      sessionsBySubject: group(archive.sessions, (s) => s.subjectId),
      sessionsByProject: group(archive.sessions, (s) => s.project),
      scansBySession: group(archive.scans, (s) => s.sessionId),
      roiCollectionsBySession: group(archive.roiCollections, (r) => r.sessionId),
      roiCollectionById: new Map(archive.roiCollections.map((r) => [r.id, r])),
    };
    indexes.set(archive, index);
  }
  return index;
}

/**
 * What a cohort query over `archive` must count, optionally within one project.
 *
 * A subject is an XNAT subject within its project. Subject-level criteria select subjects:
 * cancer type (the project's declared type), sex (from gender: male, female, other, and
 * ""/unknown as UNKNOWN), age at diagnosis (see {@link subjectAgeAtFirstSession}; a subject
 * of unknown age never matches an age range) and year of diagnosis (the year of the
 * earliest dated session). Scan-level criteria select scans: modality (DICOM Modality),
 * body part (BodyPartExamined, case and spaces ignored) and manufacturer (case-insensitive).
 * A session (study) counts when it has at least one matching scan (series), and a subject
 * when one of its sessions does. ROI-collection assessors are not series.
 */
export function expectedXnatCohort(archive: FakeXnatArchive, projectId: string | undefined, criteria: XnatCohortCriteria = {}): XnatCohort {
  const index = indexFakeXnatArchive(archive);
  const manufacturers = criteria.manufacturers?.map((m) => m.trim().toUpperCase());
  const anyOf = <T>(wanted: readonly T[] | undefined, value: T | undefined): boolean =>
    !wanted || wanted.length === 0 || (value !== undefined && wanted.includes(value));
  const inRange = (range: { readonly min?: number; readonly max?: number } | undefined, value: number | undefined): boolean =>
    !range || (value !== undefined && (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max));

  const byProject: (XnatCohortCounts & { project: string })[] = [];
  const projects = [...archive.projects].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const project of projects) {
    if (projectId !== undefined && project.id !== projectId) continue;
    if (criteria.datasetLocalIds && !criteria.datasetLocalIds.includes(project.id)) continue;
    if (criteria.cancerTypes?.length && (project.cancerType === null || !criteria.cancerTypes.includes(project.cancerType))) continue;
    let subjectCount = 0;
    let studyCount = 0;
    let seriesCount = 0;
    for (const subject of index.subjectsByProject.get(project.id) ?? []) {
      if (!anyOf(criteria.sex, sexOfGender(subject.gender))) continue;
      const subjectSessions = index.sessionsBySubject.get(subject.id) ?? [];
      if (criteria.ageAtDiagnosis && !inRange(criteria.ageAtDiagnosis, subjectAgeAtFirstSession(subject, subjectSessions))) continue;
      if (criteria.yearOfDiagnosis) {
        const first = earliestSession(subjectSessions);
        if (!inRange(criteria.yearOfDiagnosis, first ? Number(first.date.slice(0, 4)) : undefined)) continue;
      }
      let matchedStudies = 0;
      let matchedSeries = 0;
      for (const session of subjectSessions) {
        const matching = (index.scansBySession.get(session.id) ?? []).filter((scan) =>
          anyOf(criteria.modalities, modalityFromDicom(scan.modality))
          && anyOf(criteria.bodyParts, bodyPartFromDicom(scan.bodyPartExamined))
          && anyOf(manufacturers, scan.manufacturer.trim().toUpperCase()));
        if (matching.length === 0) continue;
        matchedStudies += 1;
        matchedSeries += matching.length;
      }
      if (matchedStudies === 0) continue;
      subjectCount += 1;
      studyCount += matchedStudies;
      seriesCount += matchedSeries;
    }
    if (subjectCount > 0) byProject.push({ project: project.id, subjects: subjectCount, studies: studyCount, series: seriesCount });
  }
  return {
    subjects: byProject.reduce((sum, p) => sum + p.subjects, 0),
    studies: byProject.reduce((sum, p) => sum + p.studies, 0),
    series: byProject.reduce((sum, p) => sum + p.series, 0),
    byProject,
  };
}

/**
 * Values that must never appear in anything a subgraph returns or logs (check as
 * substrings): subject labels that look like names, and the session labels built from
 * them; dates of birth; the DICOM patient names, patient ids, accession numbers and
 * operators XNAT copies into sessions; and the projects' PI names.
 */
export function forbiddenXnatValues(archive: FakeXnatArchive): string[] {
  const out = new Set<string>();
  const nameLike = new Set<string>();
  for (const subject of archive.subjects) {
    if (subject.labelLooksLikeName) {
      out.add(subject.label);
      nameLike.add(subject.id);
    }
    if (subject.dob !== undefined) out.add(subject.dob);
  }
  for (const session of archive.sessions) {
    if (nameLike.has(session.subjectId)) out.add(session.label);
    out.add(session.dcmPatientId);
    out.add(session.dcmAccessionNumber);
    out.add(session.operator);
    if (nameLike.has(session.subjectId)) out.add(session.dcmPatientName);
  }
  for (const project of archive.projects) {
    out.add(`${project.piFirstname} ${project.piLastname}`);
    out.add(project.piLastname);
  }
  return [...out].sort();
}

/** Totals of an archive, for sanity checks and reports. */
export function fakeXnatArchiveTotals(archive: FakeXnatArchive): { projects: number; subjects: number; sessions: number; scans: number; roiCollections: number } {
  return {
    projects: archive.projects.length,
    subjects: archive.subjects.length,
    sessions: archive.sessions.length,
    scans: archive.scans.length,
    roiCollections: archive.roiCollections.length,
  };
}
