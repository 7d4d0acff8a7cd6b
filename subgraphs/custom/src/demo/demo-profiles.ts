import type { BodyPart, CancerType, Modality, Sex } from '@cancer-imaging/schema';
import type { Random } from './random.js';

/**
 * What the synthetic data of each cancer type looks like: who the patients are (sex, age
 * at diagnosis) and which imaging studies they get (modality, body part, scanner vendor,
 * series protocol). The mixes are plausible for European clinical research collections;
 * they are not statistics of any real cohort.
 */

type Weighted<T> = readonly (readonly [T, number])[];

export interface ProtocolStep {
  readonly modality: Modality;
  readonly description: string;
  /** Range of the series' instance count, inclusive. */
  readonly instances: readonly [number, number];
  /** Planning images (localizer, topogram, scout) are never what a segmentation refers to. */
  readonly localizer?: boolean;
}

export interface StudyTemplate {
  readonly description: string;
  /** Relative frequency among the type's studies. */
  readonly weight: number;
  readonly bodyParts: Weighted<BodyPart>;
  /** Scanner vendors as DICOM Manufacturer (0008,0070) spells them; one per study. */
  readonly manufacturers: Weighted<string>;
  /** How many series a study holds, inclusive: the first n steps of the protocol. */
  readonly series: readonly [number, number];
  /** Series in the order a site acquires (and keeps) them; the first are the core ones. */
  readonly protocol: readonly ProtocolStep[];
}

export interface CancerProfile {
  readonly sex: Weighted<Sex>;
  /** Age at diagnosis in whole years, before the dataset's age range is applied. */
  readonly age: (random: Random) => number;
  readonly ageLimits: readonly [number, number];
  readonly studies: readonly StudyTemplate[];
  /** What segmentations of this type outline. */
  readonly segmentationLabels: readonly string[];
}

const step = (modality: Modality, description: string, instances: readonly [number, number], localizer = false): ProtocolStep =>
  localizer ? { modality, description, instances, localizer } : { modality, description, instances };

const normalAge = (mean: number, sd: number) => (random: Random) => Math.round(random.normal(mean, sd));

const CROSS_SECTIONAL: Weighted<string> = [
  ['SIEMENS', 0.36], ['GE MEDICAL SYSTEMS', 0.28], ['PHILIPS', 0.24], ['CANON MEDICAL SYSTEMS', 0.12],
];
const PET_CT: Weighted<string> = [['SIEMENS', 0.48], ['GE MEDICAL SYSTEMS', 0.37], ['PHILIPS', 0.15]];
const MAMMOGRAPHY: Weighted<string> = [['HOLOGIC', 0.34], ['GE MEDICAL SYSTEMS', 0.24], ['SIEMENS', 0.2], ['FUJIFILM', 0.22]];
const ULTRASOUND: Weighted<string> = [['GE MEDICAL SYSTEMS', 0.3], ['PHILIPS', 0.25], ['CANON MEDICAL SYSTEMS', 0.2], ['SIEMENS', 0.15], ['FUJIFILM', 0.1]];
const NUCLEAR: Weighted<string> = [['SIEMENS', 0.55], ['GE MEDICAL SYSTEMS', 0.45]];

const CT_STAGING: StudyTemplate = {
  description: 'CT CHEST ABDOMEN PELVIS WITH CONTRAST',
  weight: 1,
  bodyParts: [['ABDOMEN', 0.65], ['PELVIS', 0.2], ['CHEST', 0.15]],
  manufacturers: CROSS_SECTIONAL,
  series: [2, 6],
  protocol: [
    step('CT', 'Topogram 0.6 T20f', [1, 2], true),
    step('CT', 'Portal venous 5.0 B31f', [60, 110]),
    step('CT', 'Portal venous 1.0 B30f', [300, 650]),
    step('CT', 'Thorax 1.0 B70f lung', [250, 400]),
    step('CT', 'Coronal MPR 3.0', [80, 150]),
    step('CT', 'Arterial phase 2.0 B30f', [120, 250]),
  ],
};

const MR_LIVER: StudyTemplate = {
  description: 'MRI LIVER WITH GADOXETATE',
  weight: 1,
  bodyParts: [['LIVER', 0.6], ['ABDOMEN', 0.4]],
  manufacturers: CROSS_SECTIONAL,
  series: [5, 11],
  protocol: [
    step('MR', 'localizer', [3, 9], true),
    step('MR', 't2_haste_cor_mbh', [20, 30]),
    step('MR', 't2_tse_fs_tra_nav', [30, 44]),
    step('MR', 'ep2d_diff_b50_400_800_tra', [90, 132]),
    step('MR', 'ep2d_diff_tra_ADC', [30, 44]),
    step('MR', 't1_vibe_dixon_in_opp_tra', [60, 88]),
    step('MR', 't1_vibe_fs_tra_pre', [60, 88]),
    step('MR', 't1_vibe_fs_tra_arterial', [60, 88]),
    step('MR', 't1_vibe_fs_tra_portal', [60, 88]),
    step('MR', 't1_vibe_fs_tra_transitional', [60, 88]),
    step('MR', 't1_vibe_fs_tra_hepatobiliary_20min', [60, 88]),
  ],
};

const MR_BRAIN: StudyTemplate = {
  description: 'MRI BRAIN TUMOUR PROTOCOL',
  weight: 0.85,
  bodyParts: [['BRAIN', 0.7], ['HEAD', 0.3]],
  manufacturers: CROSS_SECTIONAL,
  series: [4, 11],
  protocol: [
    step('MR', 't1_mprage_sag_pre', [160, 192]),
    step('MR', 't2_tse_tra', [24, 30]),
    step('MR', 't2_flair_tra', [24, 30]),
    step('MR', 't1_mprage_sag_post_gd', [160, 192]),
    step('MR', 'ep2d_diff_b0_1000_tra', [48, 60]),
    step('MR', 'ep2d_diff_tra_ADC', [24, 30]),
    step('MR', 'swi_tra', [72, 96]),
    step('MR', 'ep2d_perf_dsc', [1000, 1500]),
    step('MR', 'perf_rCBV_map', [20, 24]),
    step('MR', 't1_se_tra_post_gd', [24, 30]),
    step('MR', 'localizer', [3, 9], true),
  ],
};

const CT_HEAD: StudyTemplate = {
  description: 'CT HEAD WITHOUT CONTRAST',
  weight: 0.15,
  bodyParts: [['HEAD', 1]],
  manufacturers: CROSS_SECTIONAL,
  series: [2, 3],
  protocol: [
    step('CT', 'Topogram 0.6 T20s', [1, 2], true),
    step('CT', 'Head 5.0 H31s', [26, 34]),
    step('CT', 'Head 0.6 H60s bone', [220, 300]),
  ],
};

const PET_CT_FDG = (bodyParts: Weighted<BodyPart>): StudyTemplate => ({
  description: 'PET-CT FDG WHOLE BODY',
  weight: 1,
  bodyParts,
  manufacturers: PET_CT,
  series: [3, 8],
  protocol: [
    step('CT', 'CT low dose AC 3.0', [280, 420]),
    step('PT', 'PET WB AC', [250, 420]),
    step('PT', 'PET WB NAC', [250, 420]),
    step('CT', 'CT Thorax 1.0 B70f lung', [250, 400]),
    step('PT', 'PET MIP', [32, 64]),
    step('CT', 'Topogram 0.6 T20f', [1, 2], true),
    step('CT', 'CT diagnostic portal venous 2.0', [250, 400]),
    step('PT', 'PET WB AC delayed', [250, 420]),
  ],
});

export const CANCER_PROFILES: Readonly<Record<CancerType, CancerProfile>> = {
  BREAST: {
    sex: [['FEMALE', 0.99], ['MALE', 0.01]],
    age: normalAge(58, 12),
    ageLimits: [24, 92],
    segmentationLabels: ['Breast lesion', 'Fibroglandular tissue'],
    studies: [
      {
        description: 'MAMMOGRAPHY BILATERAL',
        weight: 0.45,
        bodyParts: [['BREAST', 1]],
        manufacturers: MAMMOGRAPHY,
        series: [2, 8],
        protocol: [
          step('MG', 'L CC', [1, 1]), step('MG', 'R CC', [1, 1]), step('MG', 'L MLO', [1, 1]), step('MG', 'R MLO', [1, 1]),
          step('MG', 'L ML', [1, 1]), step('MG', 'R ML', [1, 1]), step('MG', 'L CC spot compression', [1, 1]), step('MG', 'R CC spot compression', [1, 1]),
        ],
      },
      {
        description: 'MRI BREAST DCE',
        weight: 0.35,
        bodyParts: [['BREAST', 1]],
        manufacturers: CROSS_SECTIONAL,
        series: [5, 11],
        protocol: [
          step('MR', 't1_fl3d_tra_pre', [144, 176]),
          step('MR', 't1_fl3d_tra_dyn_1', [144, 176]),
          step('MR', 't1_fl3d_tra_dyn_2', [144, 176]),
          step('MR', 't2_tse_tra', [40, 60]),
          step('MR', 't1_fl3d_tra_sub_1', [144, 176]),
          step('MR', 'ep2d_diff_b50_800_tra', [80, 120]),
          step('MR', 'ep2d_diff_tra_ADC', [40, 60]),
          step('MR', 't1_fl3d_tra_dyn_3', [144, 176]),
          step('MR', 't1_fl3d_tra_dyn_4', [144, 176]),
          step('MR', 't1_fl3d_tra_post_delayed', [144, 176]),
          step('MR', 'localizer', [3, 9], true),
        ],
      },
      {
        description: 'US BREAST BILATERAL',
        weight: 0.2,
        bodyParts: [['BREAST', 1]],
        manufacturers: ULTRASOUND,
        series: [2, 5],
        protocol: [
          step('US', 'Left breast', [4, 30]), step('US', 'Right breast', [4, 30]), step('US', 'Axilla', [2, 12]),
          step('US', 'Colour Doppler', [1, 8]), step('US', 'Shear-wave elastography', [1, 6]),
        ],
      },
    ],
  },
  PROSTATE: {
    sex: [['MALE', 1]],
    age: normalAge(67, 7),
    ageLimits: [42, 90],
    segmentationLabels: ['Prostate lesion', 'Prostate whole gland'],
    studies: [
      {
        description: 'MRI PROSTATE MULTIPARAMETRIC',
        weight: 0.8,
        bodyParts: [['PROSTATE', 0.6], ['PELVIS', 0.4]],
        manufacturers: CROSS_SECTIONAL,
        series: [4, 11],
        protocol: [
          step('MR', 't2_tse_tra', [24, 30]),
          step('MR', 'ep2d_diff_b50_800_tra', [60, 90]),
          step('MR', 'ep2d_diff_tra_ADC', [20, 30]),
          step('MR', 't2_tse_sag', [20, 26]),
          step('MR', 'ep2d_diff_b1400_tra', [20, 30]),
          step('MR', 't1_vibe_dce_tra', [600, 1200]),
          step('MR', 't2_tse_cor', [20, 26]),
          step('MR', 't1_tse_tra', [24, 30]),
          step('MR', 't1_vibe_fs_tra_post', [60, 88]),
          step('MR', 't2_haste_tra_pelvis', [30, 40]),
          step('MR', 'localizer', [3, 9], true),
        ],
      },
      {
        description: 'PSMA PET-CT',
        weight: 0.12,
        bodyParts: [['WHOLEBODY', 0.7], ['PELVIS', 0.3]],
        manufacturers: PET_CT,
        series: [3, 6],
        protocol: [
          step('CT', 'CT low dose AC 3.0', [280, 420]),
          step('PT', 'PET PSMA AC', [250, 420]),
          step('PT', 'PET PSMA NAC', [250, 420]),
          step('CT', 'CT diagnostic portal venous 2.0', [250, 400]),
          step('PT', 'PET MIP', [32, 64]),
          step('CT', 'Topogram 0.6 T20f', [1, 2], true),
        ],
      },
      {
        description: 'CT ABDOMEN PELVIS WITH CONTRAST',
        weight: 0.08,
        bodyParts: [['PELVIS', 0.6], ['ABDOMEN', 0.4]],
        manufacturers: CROSS_SECTIONAL,
        series: [2, 4],
        protocol: [
          step('CT', 'Topogram 0.6 T20f', [1, 2], true),
          step('CT', 'Abdomen pelvis 5.0 B31f', [60, 100]),
          step('CT', 'Abdomen pelvis 1.0 B30f', [300, 550]),
          step('CT', 'Coronal MPR 3.0', [80, 150]),
        ],
      },
    ],
  },
  LUNG: {
    sex: [['MALE', 0.57], ['FEMALE', 0.42], ['UNKNOWN', 0.01]],
    age: normalAge(67, 9),
    ageLimits: [32, 92],
    segmentationLabels: ['Lung nodule', 'GTV primary', 'Lungs'],
    studies: [
      {
        description: 'CT THORAX WITH CONTRAST',
        weight: 0.55,
        bodyParts: [['CHEST', 0.75], ['LUNG', 0.25]],
        manufacturers: CROSS_SECTIONAL,
        series: [2, 6],
        protocol: [
          step('CT', 'Thorax 1.0 B70f lung', [250, 400]),
          step('CT', 'Thorax 1.0 B30f mediastinum', [250, 400]),
          step('CT', 'Topogram 0.6 T20f', [1, 2], true),
          step('CT', 'Thorax 5.0 MIP', [60, 90]),
          step('CT', 'Coronal MPR lung 3.0', [80, 140]),
          step('CT', 'Sagittal MPR 3.0', [80, 140]),
        ],
      },
      {
        description: 'CT THORAX LOW DOSE SCREENING',
        weight: 0.2,
        bodyParts: [['CHEST', 0.8], ['LUNG', 0.2]],
        manufacturers: CROSS_SECTIONAL,
        series: [2, 4],
        protocol: [
          step('CT', 'LD Thorax 1.0 lung', [250, 400]),
          step('CT', 'LD Thorax 1.0 soft tissue', [250, 400]),
          step('CT', 'Topogram 0.6 T20f', [1, 2], true),
          step('CT', 'MIP 10.0 lung', [30, 60]),
        ],
      },
      { ...PET_CT_FDG([['WHOLEBODY', 0.6], ['CHEST', 0.4]]), weight: 0.25 },
    ],
  },
  COLORECTAL: {
    sex: [['MALE', 0.55], ['FEMALE', 0.44], ['UNKNOWN', 0.01]],
    age: normalAge(66, 11),
    ageLimits: [28, 94],
    segmentationLabels: ['Primary tumour', 'Liver metastasis'],
    studies: [
      { ...CT_STAGING, weight: 0.5, bodyParts: [['ABDOMEN', 0.65], ['COLON', 0.2], ['PELVIS', 0.15]] },
      {
        description: 'CT COLONOGRAPHY',
        weight: 0.2,
        bodyParts: [['COLON', 1]],
        manufacturers: CROSS_SECTIONAL,
        series: [2, 4],
        protocol: [
          step('CT', 'Scout', [1, 2], true),
          step('CT', 'Colon supine 1.0', [400, 650]),
          step('CT', 'Colon prone 1.0', [400, 650]),
          step('CT', '3D endoluminal', [1, 4]),
        ],
      },
      { ...MR_LIVER, weight: 0.3 },
    ],
  },
  RECTUM: {
    sex: [['MALE', 0.61], ['FEMALE', 0.38], ['UNKNOWN', 0.01]],
    age: normalAge(64, 11),
    ageLimits: [26, 92],
    segmentationLabels: ['Rectal tumour', 'Mesorectum', 'GTV primary'],
    studies: [
      {
        description: 'MRI RECTUM STAGING',
        weight: 0.65,
        bodyParts: [['RECTUM', 0.6], ['PELVIS', 0.4]],
        manufacturers: CROSS_SECTIONAL,
        series: [4, 10],
        protocol: [
          step('MR', 't2_tse_sag', [24, 30]),
          step('MR', 't2_tse_tra_oblique_highres', [24, 36]),
          step('MR', 'ep2d_diff_b0_1000_tra', [48, 72]),
          step('MR', 'ep2d_diff_tra_ADC', [24, 36]),
          step('MR', 't2_tse_cor_oblique', [24, 30]),
          step('MR', 't2_tse_tra_large_fov', [30, 40]),
          step('MR', 't1_tse_tra', [30, 40]),
          step('MR', 't1_vibe_fs_tra_post', [60, 88]),
          step('MR', 't2_tse_tra_small_fov', [20, 28]),
          step('MR', 'localizer', [3, 9], true),
        ],
      },
      { ...CT_STAGING, weight: 0.35, series: [2, 5], bodyParts: [['ABDOMEN', 0.45], ['PELVIS', 0.4], ['CHEST', 0.15]] },
    ],
  },
  LIVER: {
    sex: [['MALE', 0.71], ['FEMALE', 0.28], ['UNKNOWN', 0.01]],
    age: normalAge(65, 10),
    ageLimits: [22, 90],
    segmentationLabels: ['Liver', 'HCC lesion', 'Portal vein'],
    studies: [
      {
        description: 'CT LIVER MULTIPHASE',
        weight: 0.5,
        bodyParts: [['LIVER', 0.5], ['ABDOMEN', 0.5]],
        manufacturers: CROSS_SECTIONAL,
        series: [3, 8],
        protocol: [
          step('CT', 'Late arterial 2.0 B30f', [120, 250]),
          step('CT', 'Portal venous 2.0 B30f', [120, 250]),
          step('CT', 'Topogram 0.6 T20f', [1, 2], true),
          step('CT', 'Non-contrast 5.0 B31f', [40, 70]),
          step('CT', 'Delayed 3 min 5.0 B31f', [40, 70]),
          step('CT', 'Coronal MPR portal venous 3.0', [80, 140]),
          step('CT', 'Late arterial 1.0 B30f', [300, 500]),
          step('CT', 'Portal venous 1.0 B30f', [300, 500]),
        ],
      },
      { ...MR_LIVER, weight: 0.5 },
    ],
  },
  GLIOMA: {
    sex: [['MALE', 0.575], ['FEMALE', 0.42], ['OTHER', 0.005]],
    age: normalAge(45, 15),
    ageLimits: [18, 86],
    segmentationLabels: ['Tumour core', 'FLAIR hyperintensity', 'Enhancing tumour'],
    studies: [MR_BRAIN, CT_HEAD],
  },
  GLIOBLASTOMA: {
    sex: [['MALE', 0.6], ['FEMALE', 0.395], ['OTHER', 0.005]],
    age: normalAge(62, 11),
    ageLimits: [20, 88],
    segmentationLabels: ['Enhancing tumour', 'Necrosis', 'Peritumoural oedema', 'GTV primary'],
    studies: [MR_BRAIN, CT_HEAD],
  },
  NEUROBLASTOMA: {
    sex: [['MALE', 0.54], ['FEMALE', 0.46]],
    // Most are diagnosed in the first years of life: a geometric-like tail up to ten.
    age: (random) => Math.floor(-Math.log(1 - random.next()) * 2),
    ageLimits: [0, 10],
    segmentationLabels: ['Primary tumour', 'Image-defined risk factor'],
    studies: [
      {
        description: 'MRI ABDOMEN WITH CONTRAST',
        weight: 0.45,
        bodyParts: [['ADRENAL', 0.5], ['ABDOMEN', 0.5]],
        manufacturers: CROSS_SECTIONAL,
        series: [4, 9],
        protocol: [
          step('MR', 't2_haste_cor', [20, 30]),
          step('MR', 't2_tse_fs_tra', [24, 36]),
          step('MR', 't1_tse_tra', [24, 36]),
          step('MR', 'ep2d_diff_b0_800_tra', [48, 72]),
          step('MR', 'ep2d_diff_tra_ADC', [24, 36]),
          step('MR', 't1_vibe_fs_tra_post', [60, 88]),
          step('MR', 't1_vibe_fs_cor_post', [60, 88]),
          step('MR', 'stir_cor_whole_body', [30, 50]),
          step('MR', 'localizer', [3, 9], true),
        ],
      },
      { ...CT_STAGING, weight: 0.3, series: [2, 5], bodyParts: [['ABDOMEN', 0.6], ['WHOLEBODY', 0.4]] },
      {
        description: 'MIBG SCINTIGRAPHY',
        weight: 0.25,
        bodyParts: [['WHOLEBODY', 1]],
        manufacturers: NUCLEAR,
        series: [2, 4],
        protocol: [
          step('NM', '123I-MIBG whole body anterior posterior', [1, 2]),
          step('NM', 'SPECT abdomen', [1, 1]),
          step('NM', 'SPECT-CT fused', [1, 1]),
          step('NM', 'Static spot views', [1, 4]),
        ],
      },
    ],
  },
};

/** The segmentation series' Manufacturer: the software that wrote it, not a scanner. */
export const SEGMENTATION_SOFTWARE = { DICOM_SEG: 'QIICR', RTSTRUCT: 'VARIAN MEDICAL SYSTEMS' } as const;
