/**
 * Free-text fields (study and series descriptions) come from DICOM headers that operators
 * type into; they sometimes carry names or dates. Before they leave a subgraph we drop
 * DICOM person-name patterns (FAMILY^GIVEN), date-like runs and long digit runs (MRNs,
 * accession numbers), keeping the clinical words.
 */
const PERSON_NAME = /\b[\p{L}'-]+\^[\p{L}'^ -]*/gu;
const DATE_LIKE = /\b(?:19|20)\d{2}[-/.]?(?:0[1-9]|1[0-2])[-/.]?(?:0[1-9]|[12]\d|3[01])\b/g;
const LONG_DIGITS = /\b\d{6,}\b/g;

export function scrubFreeText(text: string | null | undefined): string | null {
  if (text == null) return null;
  const cleaned = text.replace(PERSON_NAME, '').replace(DATE_LIKE, '').replace(LONG_DIGITS, '').replace(/\s{2,}/g, ' ').trim();
  return cleaned.length > 0 ? cleaned : null;
}

/** Age in years to a five-year band ("60-64"); 90 and above are one band, as HIPAA's safe harbour does. */
export function toAgeBand(age: number | null | undefined): string | null {
  if (age == null || !Number.isFinite(age) || age < 0) return null;
  if (age >= 90) return '90+';
  const low = Math.floor(age / 5) * 5;
  return `${low}-${low + 4}`;
}
