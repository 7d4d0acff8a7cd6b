import { describe, expect, it } from 'vitest';
import { readBodyPart, readDiagnosis, readGender, readModality, snomedId } from './eucaim-codes.js';

describe('EUCAIM parameter values', () => {
  it('reads SNOMED CT ids bare and as EUCAIM\'s catalogue keys them', () => {
    expect(snomedId('248152002')).toBe('248152002');
    expect(snomedId('SNOMEDCT248152002')).toBe('248152002');
    expect(snomedId('snomedct:248152002')).toBe('248152002');
    expect(snomedId('RID10321')).toBeUndefined();
    expect(snomedId('C50')).toBeUndefined();
  });

  it('reads gender as SNOMED CT codes and as the words EUCAIM\'s node agent sends', () => {
    expect(readGender('248152002')).toEqual(['FEMALE']);
    expect(readGender('SNOMEDCT248153007')).toEqual(['MALE']);
    expect(readGender('74964007')).toEqual(['OTHER']);
    expect(readGender('261665006')).toEqual(['UNKNOWN']);
    expect(readGender('female')).toEqual(['FEMALE']);
    expect(readGender('Male')).toEqual(['MALE']);
    expect(readGender('254837009')).toEqual([]); // a diagnosis code, not a sex
    expect(readGender('F')).toEqual([]);
  });

  it('reads diagnosis as SNOMED CT disorder codes and as ICD-10 codes', () => {
    expect(readDiagnosis('254837009')).toEqual(['BREAST']);
    expect(readDiagnosis('SNOMEDCT363358000')).toEqual(['LUNG']);
    expect(readDiagnosis('C34')).toEqual(['LUNG']);
    expect(readDiagnosis('c61')).toEqual(['PROSTATE']);
    expect(readDiagnosis('C71')).toEqual(['GLIOMA', 'GLIOBLASTOMA']);
    // EUCAIM's catalogue has "pelvis cancer"; the graph has no such type, so it is unknown here.
    expect(readDiagnosis('SNOMEDCT363484005')).toEqual([]);
    expect(readDiagnosis('breast')).toEqual([]);
  });

  it('reads modality as RadLex ids, DICOM terms and EUCAIM\'s PET and SPECT', () => {
    expect(readModality('RID10321')).toEqual(['CT']);
    expect(readModality('RID10312')).toEqual(['MR']);
    expect(readModality('RID10337')).toEqual(['PT']);
    expect(readModality('RID10334')).toEqual(['NM']);
    expect(readModality('MR')).toEqual(['MR']);
    expect(readModality('ct')).toEqual(['CT']);
    expect(readModality('PET')).toEqual(['PT']);
    expect(readModality('SPECT')).toEqual(['NM']);
    // RID10311 is RadLex's "imaging modality" (EUCAIM's criterion key), not a modality.
    expect(readModality('RID10311')).toEqual([]);
    expect(readModality('XRAY')).toEqual([]);
  });

  it('reads bodyPart as SNOMED CT body structures and DICOM body parts in any case', () => {
    expect(readBodyPart('76752008')).toEqual(['BREAST']);
    expect(readBodyPart('SNOMEDCT39607008')).toEqual(['LUNG']);
    expect(readBodyPart('breast')).toEqual(['BREAST']);
    expect(readBodyPart('Prostate')).toEqual(['PROSTATE']);
    expect(readBodyPart('254837009')).toEqual([]); // breast cancer, not the breast
    expect(readBodyPart('knee')).toEqual([]);
  });
});
