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
