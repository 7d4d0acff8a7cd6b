import { describe, expect, it } from 'vitest';
import {
  BODY_PARTS, CANCER_TYPES, MODALITIES, SEXES,
  bodyPartFromSnomed, cancerTypeFromSnomed, cancerTypesFromIcd10, modalityFromRadlex, sexFromSnomed,
} from './codes.js';

describe('reverse code lookups', () => {
  it('finds every table entry back from its own SNOMED CT or RadLex code', () => {
    for (const [type, entry] of Object.entries(CANCER_TYPES)) expect(cancerTypeFromSnomed(entry.snomed)).toBe(type);
    for (const [part, entry] of Object.entries(BODY_PARTS)) expect(bodyPartFromSnomed(entry.snomed)).toBe(part);
    for (const [sex, entry] of Object.entries(SEXES)) expect(sexFromSnomed(entry.snomed)).toBe(sex);
    const coded = Object.entries(MODALITIES).filter(([, entry]) => 'radlex' in entry);
    expect(coded.length).toBeGreaterThanOrEqual(6);
    for (const [modality, entry] of coded) expect(modalityFromRadlex((entry as { radlex: string }).radlex)).toBe(modality);
  });

  it('maps the codes EUCAIM exchanges to the expected values', () => {
    expect(sexFromSnomed('248152002')).toBe('FEMALE');
    expect(sexFromSnomed('248153007')).toBe('MALE');
    expect(cancerTypeFromSnomed('363358000')).toBe('LUNG');
    expect(modalityFromRadlex('RID10321')).toBe('CT');
    expect(modalityFromRadlex('rid10312')).toBe('MR');
    expect(bodyPartFromSnomed(' 41216001 ')).toBe('PROSTATE');
  });

  it('knows nothing of codes outside its tables, nor of a code from another vocabulary', () => {
    // RID10311 is RadLex's "imaging modality" itself (EUCAIM's criterion key), not a modality.
    expect(modalityFromRadlex('RID10311')).toBeUndefined();
    expect(cancerTypeFromSnomed('363484005')).toBeUndefined();
    expect(bodyPartFromSnomed('254837009')).toBeUndefined(); // breast *cancer*, not the breast
    expect(sexFromSnomed('')).toBeUndefined();
    expect(sexFromSnomed(undefined)).toBeUndefined();
  });

  it('reads ICD-10 categories, their subcategories and refinements, never a broader code', () => {
    expect(cancerTypesFromIcd10('C50')).toEqual(['BREAST']);
    expect(cancerTypesFromIcd10('c50.9')).toEqual(['BREAST']);
    expect(cancerTypesFromIcd10('C71')).toEqual(['GLIOMA', 'GLIOBLASTOMA']);
    expect(cancerTypesFromIcd10('C74.9')).toEqual(['NEUROBLASTOMA']);
    expect(cancerTypesFromIcd10('C74.91')).toEqual(['NEUROBLASTOMA']);
    expect(cancerTypesFromIcd10('C74')).toEqual([]);
    expect(cancerTypesFromIcd10('C500')).toEqual([]);
    expect(cancerTypesFromIcd10('C43')).toEqual([]);
    expect(cancerTypesFromIcd10('254837009')).toEqual([]);
  });
});
