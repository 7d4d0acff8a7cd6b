import { describe, expect, it } from 'vitest';
import { scrubFreeText, toAgeBand } from './scrub.js';

describe('scrubFreeText', () => {
  it('removes DICOM person names, dates and long digit runs, keeping clinical words', () => {
    expect(scrubFreeText('MR prostate DOE^JANE 20190304 acc 12345678')).toBe('MR prostate acc');
  });

  it('returns null for empty or emptied text', () => {
    expect(scrubFreeText('')).toBeNull();
    expect(scrubFreeText('SMITH^JOHN')).toBeNull();
    expect(scrubFreeText(null)).toBeNull();
  });
});

describe('toAgeBand', () => {
  it('coarsens ages to five-year bands and 90+', () => {
    expect(toAgeBand(62)).toBe('60-64');
    expect(toAgeBand(0)).toBe('0-4');
    expect(toAgeBand(93)).toBe('90+');
    expect(toAgeBand(null)).toBeNull();
  });
});
