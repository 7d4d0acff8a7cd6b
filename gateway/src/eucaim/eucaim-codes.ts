import {
  bodyPartFromDicom, bodyPartFromSnomed, cancerTypeFromSnomed, cancerTypesFromIcd10, modalityFromDicom, modalityFromRadlex,
  sexFromSnomed, SEXES, type BodyPart, type CancerType, type Modality, type Sex,
} from '@cancer-imaging/schema';

/**
 * Reading one value of a EUCAIM search parameter into the contract's enums.
 *
 * EUCAIM's node agent (samply/focus, `eucaim-api` endpoint type) does not send the bare
 * codes of its catalogue: it sends `gender=female`, `diagnosis=SNOMEDCT254837009`,
 * `modality=MR` (or PET, SPECT), `bodyPart=breast`, `manufacturer=Siemens`. Other callers
 * (and the contract) use bare SNOMED CT ids and RadLex RIDs. Both are read here;
 * anything else is unknown, and the caller refuses it rather than ignore it (an ignored
 * criterion would silently widen the search).
 */

/** A SNOMED CT concept id, bare (`248152002`) or as EUCAIM's catalogue keys it (`SNOMEDCT248152002`, `SNOMEDCT:…`). */
export function snomedId(value: string): string | undefined {
  return /^(?:SNOMEDCT:?)?(\d{6,18})$/i.exec(value.trim())?.[1];
}

/** SNOMED CT ids, or the words EUCAIM's node agent sends (`male`, `female`, `other`, `unknown`). */
export function readGender(value: string): Sex[] {
  const id = snomedId(value);
  if (id) return listOf(sexFromSnomed(id));
  const word = value.trim().toLowerCase();
  return listOf((Object.keys(SEXES) as Sex[]).find((sex) => SEXES[sex].label.toLowerCase() === word));
}

/** SNOMED CT disorder ids, or ICD-10 codes (`C34`, `C50.9`; one code may name several types). */
export function readDiagnosis(value: string): CancerType[] {
  const id = snomedId(value);
  if (id) return listOf(cancerTypeFromSnomed(id));
  return cancerTypesFromIcd10(value);
}

/** EUCAIM's words for modalities that differ from the DICOM defined terms. */
const MODALITY_WORDS: Readonly<Record<string, Modality>> = { PET: 'PT', SPECT: 'NM' };

/** RadLex RIDs (`RID10321`), DICOM defined terms (`CT`), or EUCAIM's `PET` and `SPECT`. */
export function readModality(value: string): Modality[] {
  const term = value.trim().toUpperCase();
  if (/^RID\d+$/.test(term)) return listOf(modalityFromRadlex(term));
  return listOf(MODALITY_WORDS[term] ?? modalityFromDicom(term));
}

/** SNOMED CT body structure ids, or DICOM Body Part Examined terms in any case (EUCAIM sends `breast`). */
export function readBodyPart(value: string): BodyPart[] {
  const id = snomedId(value);
  if (id) return listOf(bodyPartFromSnomed(id));
  return listOf(bodyPartFromDicom(value));
}

function listOf<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}
