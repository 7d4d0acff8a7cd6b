import { kindTypePrefix } from '@cancer-imaging/provider-kit';

/** Every spelling of a kind the scaffold writes into files. */
export interface KindNames {
  /** The registry's `kind:` and the subgraph's name, e.g. `json-files`. */
  readonly kind: string;
  /** GraphQL type prefix and identifier part, e.g. `JsonFiles` (JsonFilesProvider, createJsonFilesSubgraph). */
  readonly typePrefix: string;
  /** Env-var and constant part, e.g. `JSON_FILES` (CIG_JSON_FILES_PORT, CIG_GATEWAY_SUBGRAPH_JSON_FILES_URL). */
  readonly envName: string;
  /** The workspace package, e.g. `@cancer-imaging/subgraph-json-files`. */
  readonly packageName: string;
}

/** As the catalogue demands of a kind (subgraphs/catalogue/src/schema.ts), and short enough for type names. */
const KIND_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_KIND_LENGTH = 40;

/** Folders next to the kinds (subgraphs/kit, subgraphs/catalogue); `catalogue` is also a subgraph's name. */
const RESERVED = new Set(['catalogue', 'kit']);

/**
 * A kind reads CIG_<KIND>_PORT, _HOST, _ENV and _PSEUDONYM_SECRET. These first words
 * belong to other services and settings (CIG_GATEWAY_*, CIG_INTERNAL_SECRET, CIG_SITE_*
 * credentials, ...): a kind named after one would read or shadow their variables.
 */
const RESERVED_ENV_WORDS = ['GATEWAY', 'CATALOGUE', 'INTERNAL', 'DATABASE', 'REGISTRY', 'LOG', 'REDIS', 'SITE', 'TEST', 'GRAPH', 'SDK'];

export class KindNameError extends Error {
  override name = 'KindNameError';
}

export function toEnvName(kind: string): string {
  return kind.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function kindNames(kind: string): KindNames {
  return { kind, typePrefix: kindTypePrefix(kind), envName: toEnvName(kind), packageName: `@cancer-imaging/subgraph-${kind}` };
}

/**
 * Checks a new kind's name against the catalogue's rules and what it would clash with: an
 * existing kind (also one spelled differently that gives the same type names), a folder
 * next to the kinds, or the variables of another part of the graph.
 */
export function validateKindName(kind: string, existingKinds: readonly string[]): KindNames {
  if (!KIND_PATTERN.test(kind)) {
    throw new KindNameError(`"${kind}" is not a kind name: use lower-case letters, digits and single dashes, starting with a letter (e.g. json-files).`);
  }
  if (kind.length > MAX_KIND_LENGTH) throw new KindNameError(`"${kind}" is longer than ${MAX_KIND_LENGTH} characters.`);
  if (RESERVED.has(kind)) throw new KindNameError(`"${kind}" is reserved: pick a name for the kind of repository (e.g. the product, or its API).`);
  if (existingKinds.includes(kind)) throw new KindNameError(`The kind "${kind}" exists already (schema/subgraphs.json).`);
  const names = kindNames(kind);
  const word = RESERVED_ENV_WORDS.find((reserved) => names.envName === reserved || names.envName.startsWith(`${reserved}_`));
  if (word) throw new KindNameError(`"${kind}" would read variables of another part of the graph (CIG_${word}_*): pick another name.`);
  // Dashes vanish from type names: a-1b and a1b would both define A1bProvider.
  const twin = existingKinds.find((other) => kindTypePrefix(other) === names.typePrefix);
  if (twin) throw new KindNameError(`"${kind}" would name the same GraphQL types as the existing kind "${twin}" (${names.typePrefix}Provider).`);
  return names;
}
