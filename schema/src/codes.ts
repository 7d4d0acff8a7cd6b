/**
 * The coded vocabularies of the contract, kept in one place. The SDL enums in
 * `__generated__/codes.graphql` are generated from these tables (run `npm run compose`),
 * so an enum value and its codes cannot drift apart. Codes are the ones EUCAIM's federated
 * search exchanges: SNOMED CT for diagnoses, sexes and body parts, RadLex for modalities.
 */

export interface CancerTypeCode {
  readonly label: string;
  /** ICD-10 category (WHO). */
  readonly icd10: string;
  /** SNOMED CT concept id of the disorder. */
  readonly snomed: string;
}

export const CANCER_TYPES = {
  BREAST: { label: 'Breast cancer', icd10: 'C50', snomed: '254837009' },
  COLORECTAL: { label: 'Colon cancer (colorectal; the rectum has its own value)', icd10: 'C18', snomed: '363406005' },
  LUNG: { label: 'Lung cancer', icd10: 'C34', snomed: '363358000' },
  PROSTATE: { label: 'Prostate cancer', icd10: 'C61', snomed: '399068003' },
  RECTUM: { label: 'Rectal cancer', icd10: 'C20', snomed: '363351006' },
  LIVER: { label: 'Liver cancer', icd10: 'C22', snomed: '93870000' },
  GLIOMA: { label: 'Glioma', icd10: 'C71', snomed: '393564001' },
  NEUROBLASTOMA: { label: 'Neuroblastoma', icd10: 'C74.9', snomed: '432328008' },
  GLIOBLASTOMA: { label: 'Glioblastoma', icd10: 'C71', snomed: '393563007' },
} as const satisfies Record<string, CancerTypeCode>;
export type CancerType = keyof typeof CANCER_TYPES;

export interface ModalityCode {
  readonly label: string;
  /** DICOM Modality (0008,0060) defined term; the enum value itself. */
  readonly dicom: string;
  /** RadLex id, where EUCAIM's search uses one. */
  readonly radlex?: string;
}

export const MODALITIES = {
  CT: { label: 'Computed tomography', dicom: 'CT', radlex: 'RID10321' },
  MR: { label: 'Magnetic resonance', dicom: 'MR', radlex: 'RID10312' },
  PT: { label: 'Positron emission tomography', dicom: 'PT', radlex: 'RID10337' },
  NM: { label: 'Nuclear medicine (SPECT)', dicom: 'NM', radlex: 'RID10334' },
  MG: { label: 'Mammography', dicom: 'MG', radlex: 'RID10357' },
  US: { label: 'Ultrasound', dicom: 'US', radlex: 'RID10326' },
  CR: { label: 'Computed radiography', dicom: 'CR' },
  DX: { label: 'Digital radiography', dicom: 'DX' },
  XA: { label: 'X-ray angiography', dicom: 'XA' },
  RF: { label: 'Radio fluoroscopy', dicom: 'RF' },
  SEG: { label: 'Segmentation', dicom: 'SEG' },
  RTSTRUCT: { label: 'Radiotherapy structure set', dicom: 'RTSTRUCT' },
  SM: { label: 'Slide microscopy', dicom: 'SM' },
  OT: { label: 'Other', dicom: 'OT' },
} as const satisfies Record<string, ModalityCode>;
export type Modality = keyof typeof MODALITIES;

export interface BodyPartCode {
  readonly label: string;
  /** DICOM Body Part Examined (0018,0015) defined term. */
  readonly dicom: string;
  /** SNOMED CT body structure. */
  readonly snomed: string;
}

export const BODY_PARTS = {
  BREAST: { label: 'Breast', dicom: 'BREAST', snomed: '76752008' },
  CHEST: { label: 'Chest', dicom: 'CHEST', snomed: '51185008' },
  LUNG: { label: 'Lung', dicom: 'LUNG', snomed: '39607008' },
  ABDOMEN: { label: 'Abdomen', dicom: 'ABDOMEN', snomed: '113345001' },
  LIVER: { label: 'Liver', dicom: 'LIVER', snomed: '10200004' },
  COLON: { label: 'Colon', dicom: 'COLON', snomed: '71854001' },
  RECTUM: { label: 'Rectum', dicom: 'RECTUM', snomed: '34402009' },
  PELVIS: { label: 'Pelvis', dicom: 'PELVIS', snomed: '12921003' },
  PROSTATE: { label: 'Prostate', dicom: 'PROSTATE', snomed: '41216001' },
  BRAIN: { label: 'Brain', dicom: 'BRAIN', snomed: '12738006' },
  HEAD: { label: 'Head', dicom: 'HEAD', snomed: '69536005' },
  ADRENAL: { label: 'Adrenal gland', dicom: 'ADRENAL', snomed: '23451007' },
  WHOLEBODY: { label: 'Whole body', dicom: 'WHOLEBODY', snomed: '38266002' },
} as const satisfies Record<string, BodyPartCode>;
export type BodyPart = keyof typeof BODY_PARTS;

export interface SexCode {
  readonly label: string;
  /** DICOM Patient's Sex (0010,0040) value; empty when unknown. */
  readonly dicom: string;
  readonly snomed: string;
}

export const SEXES = {
  FEMALE: { label: 'Female', dicom: 'F', snomed: '248152002' },
  MALE: { label: 'Male', dicom: 'M', snomed: '248153007' },
  OTHER: { label: 'Other', dicom: 'O', snomed: '74964007' },
  UNKNOWN: { label: 'Unknown', dicom: '', snomed: '261665006' },
} as const satisfies Record<string, SexCode>;
export type Sex = keyof typeof SEXES;

/** Parses a DICOM Modality value into the contract enum, or undefined when it has no value here. */
export function modalityFromDicom(value: string | undefined | null): Modality | undefined {
  const term = value?.trim().toUpperCase();
  return term && term in MODALITIES ? (term as Modality) : undefined;
}

/** Parses a DICOM Body Part Examined value into the contract enum. */
export function bodyPartFromDicom(value: string | undefined | null): BodyPart | undefined {
  const term = value?.trim().toUpperCase().replace(/\s+/g, '');
  return term && term in BODY_PARTS ? (term as BodyPart) : undefined;
}

/** Parses a DICOM Patient's Sex value. */
export function sexFromDicom(value: string | undefined | null): Sex {
  switch (value?.trim().toUpperCase()) {
    case 'F': return 'FEMALE';
    case 'M': return 'MALE';
    case 'O': return 'OTHER';
    default: return 'UNKNOWN';
  }
}

// Reverse lookups: from the codes other systems exchange (EUCAIM's federated search sends
// SNOMED CT, RadLex and ICD-10) back to the contract enums. Built once from the tables
// above, so a code added there is understood here too.

/** Maps each code `pick` finds in a table to the table's key; keys without that code are skipped. */
function indexBy<K extends string, V>(table: Readonly<Record<K, V>>, pick: (entry: V) => string | undefined): ReadonlyMap<string, K> {
  const index = new Map<string, K>();
  for (const [key, entry] of Object.entries(table) as [K, V][]) {
    const code = pick(entry);
    if (code) index.set(code.toUpperCase(), key);
  }
  return index;
}

const CANCER_TYPE_BY_SNOMED = indexBy<CancerType, CancerTypeCode>(CANCER_TYPES, (entry) => entry.snomed);
const MODALITY_BY_RADLEX = indexBy<Modality, ModalityCode>(MODALITIES, (entry) => entry.radlex);
const BODY_PART_BY_SNOMED = indexBy<BodyPart, BodyPartCode>(BODY_PARTS, (entry) => entry.snomed);
const SEX_BY_SNOMED = indexBy<Sex, SexCode>(SEXES, (entry) => entry.snomed);

/** The cancer type whose SNOMED CT disorder concept id this is (bare digits, e.g. `254837009`). */
export function cancerTypeFromSnomed(code: string | undefined | null): CancerType | undefined {
  return code ? CANCER_TYPE_BY_SNOMED.get(code.trim()) : undefined;
}

/**
 * The cancer types an ICD-10 code denotes: the entries whose code it equals or refines
 * (`C50` and `C50.9` → BREAST; `C74.9` and the ICD-10-CM `C74.91` → NEUROBLASTOMA). One
 * category may hold several types (`C71` → GLIOMA and GLIOBLASTOMA). A code broader than
 * an entry (`C74` for NEUROBLASTOMA's `C74.9`) matches nothing, since it would widen the
 * search beyond the type. Empty when the code names no type here.
 */
export function cancerTypesFromIcd10(code: string | undefined | null): CancerType[] {
  const term = code?.trim().toUpperCase();
  if (!term || !/^[A-Z]\d{2}(\.\d{1,2})?$/.test(term)) return [];
  // A category (C50) is refined by its subcategories (C50.9); a subcategory (C74.9) by more digits (C74.91).
  const refines = (entry: string) => term === entry || term.startsWith(entry.includes('.') ? entry : `${entry}.`);
  return (Object.entries(CANCER_TYPES) as [CancerType, CancerTypeCode][])
    .filter(([, entry]) => refines(entry.icd10))
    .map(([type]) => type);
}

/** The modality of a RadLex id (`RID10321` → CT), case-insensitively. */
export function modalityFromRadlex(rid: string | undefined | null): Modality | undefined {
  return rid ? MODALITY_BY_RADLEX.get(rid.trim().toUpperCase()) : undefined;
}

/** The body part of a SNOMED CT body structure concept id (`76752008` → BREAST). */
export function bodyPartFromSnomed(code: string | undefined | null): BodyPart | undefined {
  return code ? BODY_PART_BY_SNOMED.get(code.trim()) : undefined;
}

/** The sex of a SNOMED CT concept id (`248152002` → FEMALE). */
export function sexFromSnomed(code: string | undefined | null): Sex | undefined {
  return code ? SEX_BY_SNOMED.get(code.trim()) : undefined;
}
