import { describe, expect, it } from 'vitest';
import { parameterOf, parseEucaimQuery } from './eucaim-query.js';

const parse = (search: string) => parseEucaimQuery(new URLSearchParams(search));

describe('parseEucaimQuery', () => {
  it('maps each parameter to its criteria field, all of them together (all-of across parameters)', () => {
    expect(parse('gender=248152002&diagnosis=254837009&modality=RID10312&bodyPart=76752008&manufacturer=SIEMENS')).toEqual({
      ok: true,
      criteria: { sex: ['FEMALE'], cancerTypes: ['BREAST'], modalities: ['MR'], bodyParts: ['BREAST'], manufacturers: ['SIEMENS'] },
    });
  });

  it('reads the query EUCAIM\'s node agent builds, words and prefixed codes', () => {
    expect(parse('gender=male&diagnosis=SNOMEDCT399068003&modality=MR&bodyPart=breast&manufacturer=Philips')).toEqual({
      ok: true,
      criteria: { sex: ['MALE'], cancerTypes: ['PROSTATE'], modalities: ['MR'], bodyParts: ['BREAST'], manufacturers: ['Philips'] },
    });
  });

  it('reads a repeated parameter as any of its values, without duplicates', () => {
    expect(parse('modality=RID10321&modality=RID10337&modality=CT&gender=female&gender=248153007')).toEqual({
      ok: true,
      criteria: { modalities: ['CT', 'PT'], sex: ['FEMALE', 'MALE'] },
    });
    expect(parse('diagnosis=C71&diagnosis=393563007')).toEqual({ ok: true, criteria: { cancerTypes: ['GLIOMA', 'GLIOBLASTOMA'] } });
  });

  it('restricts nothing without parameters or with blank ones', () => {
    expect(parse('')).toEqual({ ok: true, criteria: {} });
    expect(parse('gender=&diagnosis=&modality=&bodyPart=&manufacturer=')).toEqual({ ok: true, criteria: {} });
  });

  it('refuses every unknown code, naming its parameter, rather than ignore it', () => {
    const result = parse('gender=248152002&modality=RID10311&diagnosis=C43&bodyPart=knee');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.parameter)).toEqual(['modality', 'diagnosis', 'bodyPart']);
    expect(result.problems[0]!.message).toContain('"RID10311"');
    expect(result.problems[0]!.message).toContain('RID10321 CT');
  });

  it('refuses unknown parameters and over-long manufacturer names', () => {
    const result = parse(`ageRange=40-60&manufacturer=${'x'.repeat(129)}`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.parameter)).toEqual(['ageRange', 'manufacturer']);
    expect(result.problems[0]!.message).toContain('gender, diagnosis, modality, bodyPart, manufacturer');
    expect(result.problems[1]!.message.length).toBeLessThan(300);
  });

  it('names the parameter behind a criteria field', () => {
    expect(parameterOf('sex')).toBe('gender');
    expect(parameterOf('manufacturers')).toBe('manufacturer');
    expect(parameterOf('ageAtDiagnosis')).toBeUndefined();
  });
});
