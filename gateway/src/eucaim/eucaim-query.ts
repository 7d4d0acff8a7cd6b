import type { BodyPart, CancerType, Modality, Sex } from '@cancer-imaging/schema';
import { readBodyPart, readDiagnosis, readGender, readModality } from './eucaim-codes.js';

/** The subset of the graph's CohortCriteria a EUCAIM search can set. */
export interface EucaimCriteria {
  sex?: Sex[];
  cancerTypes?: CancerType[];
  modalities?: Modality[];
  bodyParts?: BodyPart[];
  manufacturers?: string[];
}

type CriteriaField = keyof EucaimCriteria;

interface ParameterSpec {
  readonly field: CriteriaField;
  /** What the parameter accepts, for the error message. */
  readonly accepts: string;
  /** The enum values (or text) one value denotes; empty when it is unknown. */
  readonly read: (value: string) => readonly string[];
}

/** Longest manufacturer name the graph accepts (the kit refuses longer ones). */
const MAX_MANUFACTURER_LENGTH = 128;

/** EUCAIM's search parameters, as its node agent names them, and the criteria field each sets. */
export const EUCAIM_PARAMETERS = {
  gender: {
    field: 'sex',
    accepts: 'a SNOMED CT code of a sex (248152002 female, 248153007 male, 74964007 other, 261665006 unknown) or one of male, female, other, unknown',
    read: readGender,
  },
  diagnosis: {
    field: 'cancerTypes',
    accepts: 'a SNOMED CT code of a cancer type (e.g. 254837009 breast cancer) or an ICD-10 code (e.g. C50)',
    read: readDiagnosis,
  },
  modality: {
    field: 'modalities',
    accepts: 'a RadLex id of a modality (e.g. RID10321 CT, RID10312 MR) or a DICOM modality (CT, MR, PT, ...)',
    read: readModality,
  },
  bodyPart: {
    field: 'bodyParts',
    accepts: 'a SNOMED CT code of a body structure (e.g. 76752008 breast) or a DICOM body part (BREAST, LUNG, ...)',
    read: readBodyPart,
  },
  manufacturer: {
    field: 'manufacturers',
    accepts: `a scanner manufacturer name of at most ${MAX_MANUFACTURER_LENGTH} characters`,
    read: (value) => (value.trim().length <= MAX_MANUFACTURER_LENGTH ? [value.trim()] : []),
  },
} as const satisfies Record<string, ParameterSpec>;

export type EucaimParameter = keyof typeof EUCAIM_PARAMETERS;

/** The parameter that sets a criteria field, to name it in errors that come back from the graph. */
export function parameterOf(field: string): EucaimParameter | undefined {
  return (Object.keys(EUCAIM_PARAMETERS) as EucaimParameter[]).find((name) => EUCAIM_PARAMETERS[name].field === field);
}

export interface ParameterProblem {
  /** The query parameter at fault, as the caller spelled it. */
  readonly parameter: string;
  readonly message: string;
}

export type EucaimQuery =
  | { readonly ok: true; readonly criteria: EucaimCriteria }
  | { readonly ok: false; readonly problems: readonly ParameterProblem[] };

/** Shortens a caller's value for an error message, so the message stays small and printable. */
function quote(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 64 ? `${printable.slice(0, 64)}…` : printable);
}

/**
 * Reads EUCAIM's search parameters into cohort criteria: a repeated parameter means any of
 * its values, different parameters must all hold (as the graph's criteria do). An empty
 * value restricts nothing (`?gender=` is how a blank form field arrives). Every unknown
 * value and unknown parameter is a problem: ignoring one would widen the search silently.
 */
export function parseEucaimQuery(search: URLSearchParams): EucaimQuery {
  const problems: ParameterProblem[] = [];
  const criteria: Record<string, Set<string>> = {};
  for (const [parameter, raw] of search) {
    if (!Object.hasOwn(EUCAIM_PARAMETERS, parameter)) {
      problems.push({
        parameter,
        message: `Unknown parameter ${quote(parameter)}: this endpoint takes ${Object.keys(EUCAIM_PARAMETERS).join(', ')}.`,
      });
      continue;
    }
    if (raw.trim() === '') continue;
    const spec: ParameterSpec = EUCAIM_PARAMETERS[parameter as EucaimParameter];
    const values = spec.read(raw);
    if (values.length === 0) {
      problems.push({ parameter, message: `Parameter "${parameter}": ${quote(raw)} is not known here; expected ${spec.accepts}.` });
      continue;
    }
    const set = (criteria[spec.field] ??= new Set());
    for (const value of values) set.add(value);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, criteria: Object.fromEntries(Object.entries(criteria).map(([field, set]) => [field, [...set]])) as EucaimCriteria };
}
