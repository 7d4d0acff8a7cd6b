import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The provider registry: which sites the graph serves, of which kind, where, and with which
 * credentials (by env var *name*: secrets never sit in the file). Every subgraph loads the
 * same file; each kind subgraph keeps the sites of its kind.
 */

const identifier = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

export const privacySchema = z.object({
  /** Counts below this are SUPPRESSED (k). A site may only make it stricter than the default. */
  minCount: z.number().int().min(1).default(10),
  /** Counts at or above k are rounded to a multiple of this step. */
  roundTo: z.number().int().min(1).default(10),
}).strict();
export type PrivacyThresholds = z.infer<typeof privacySchema>;

/**
 * A site's circuit breaker (see site-runtime.ts): after enough of its calls fail, the site is
 * not called for a while and answers UNREACHABLE at once. Fields left out take the kind
 * subgraph's defaults (DEFAULT_SITE_CIRCUIT, or its `circuits` option).
 */
export const siteCircuitSchema = z.object({
  /** false: every call goes to the site, however often it fails. */
  enabled: z.boolean().optional(),
  /** Calls remembered while closed. */
  windowSize: z.number().int().min(1).max(1_000).optional(),
  /** Fewest calls in the window before it may open (at most windowSize). */
  minimumCalls: z.number().int().min(1).max(1_000).optional(),
  /** Share of failed calls in the window that opens it. */
  failureRatio: z.number().gt(0).max(1).optional(),
  /** How long it stays open before one probe call goes through. */
  openMs: z.number().int().positive().max(600_000).optional(),
}).strict();
export type SiteCircuitConfig = z.infer<typeof siteCircuitSchema>;

export const siteSchema = z.object({
  id: identifier,
  name: z.string().min(1),
  /** ISO 3166-1 alpha-2. */
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as NL'),
  kind: identifier,
  /** Where the repository answers: an http(s) URL, or a kind-specific locator (e.g. file:). */
  baseUrl: z.string().min(1),
  /** Names of the env vars that hold credentials, e.g. { username: CIG_SITE_X_USER }. */
  credentials: z.record(z.string(), z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an env var name')).default({}),
  privacy: privacySchema.partial().default({}),
  /** Per-site deadline for one upstream operation. */
  deadlineMs: z.number().int().positive().max(60_000).default(5_000),
  /** Overrides of the site's circuit breaker; absent: the subgraph's defaults. */
  circuit: siteCircuitSchema.optional(),
  /** Kind-specific settings, validated by the kind. */
  options: z.record(z.string(), z.unknown()).default({}),
}).strict();
export type SiteConfig = z.infer<typeof siteSchema> & { privacy: PrivacyThresholds };

const accessRights = z.enum(['PUBLIC', 'RESTRICTED', 'NON_PUBLIC']);
const accessMode = z.enum(['DOWNLOAD', 'IN_SITU', 'REMOTE_PROCESSING']);

/** Curated dataset metadata after EUCAIM's DCAT-AP profile. */
export const datasetMetadataSchema = z.object({
  site: identifier,
  /** The dataset's id at its site (collection, project, grouping). */
  localId: z.string().min(1),
  title: z.string().min(1),
  description: z.string().default(''),
  version: z.string().optional(),
  cancerTypes: z.array(z.string()).min(1),
  modalities: z.array(z.string()).default([]),
  bodyParts: z.array(z.string()).default([]),
  manufacturers: z.array(z.string()).default([]),
  sex: z.array(z.string()).default([]),
  ageRange: z.object({ min: z.number().int().optional(), max: z.number().int().optional() }).optional(),
  /** Published size of the dataset (the catalogue's "number of subjects"). */
  size: z.object({ subjects: z.number().int().nonnegative() }).optional(),
  accessRights: accessRights.default('RESTRICTED'),
  accessModes: z.array(accessMode).default(['DOWNLOAD']),
  licence: z.string().optional(),
  publisher: z.object({ name: z.string(), url: z.string().optional() }),
  contact: z.object({ name: z.string().optional(), email: z.string().optional() }).optional(),
  keywords: z.array(z.string()).default([]),
  issued: z.string().optional(),
}).strict();
export type DatasetMetadata = z.infer<typeof datasetMetadataSchema>;

export const registrySchema = z.object({
  /** Default thresholds; sites may be stricter. */
  privacy: privacySchema.default({ minCount: 10, roundTo: 10 }),
  sites: z.array(siteSchema).min(1),
  /** Curated dataset metadata: inline, or one or more files relative to the registry. */
  datasets: z.union([z.string(), z.array(z.string()).min(1), z.array(datasetMetadataSchema)]).default([]),
}).strict();

export interface Registry {
  readonly privacy: PrivacyThresholds;
  readonly sites: readonly SiteConfig[];
  readonly datasets: readonly DatasetMetadata[];
  /** Absolute path of the file it was loaded from, for resolving relative paths. */
  readonly source: string;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
}

/** Parses registry text (YAML or JSON); relative dataset files resolve against `source`. */
export async function parseRegistry(text: string, source: string): Promise<Registry> {
  const raw = registrySchema.safeParse(parseYaml(text));
  if (!raw.success) throw new RegistryError(`${source}: ${z.prettifyError(raw.error)}`);
  const privacy = raw.data.privacy;
  const sites = raw.data.sites.map((site): SiteConfig => {
    const merged = { ...privacy, ...site.privacy };
    if (merged.minCount < privacy.minCount || merged.roundTo < privacy.roundTo) {
      throw new RegistryError(`${source}: site ${site.id} may only make privacy thresholds stricter than the defaults`);
    }
    return { ...site, privacy: merged };
  });
  const ids = new Set<string>();
  for (const site of sites) {
    if (ids.has(site.id)) throw new RegistryError(`${source}: site id ${site.id} appears twice`);
    ids.add(site.id);
  }
  const datasets: DatasetMetadata[] = [];
  const files = typeof raw.data.datasets === 'string' ? [raw.data.datasets] : raw.data.datasets.filter((entry): entry is string => typeof entry === 'string');
  for (const entry of files) {
    const file = path.resolve(path.dirname(source), entry);
    const parsed = z.object({ datasets: z.array(datasetMetadataSchema) }).safeParse(parseYaml(await readFile(file, 'utf8')));
    if (!parsed.success) throw new RegistryError(`${file}: ${z.prettifyError(parsed.error)}`);
    datasets.push(...parsed.data.datasets);
  }
  if (Array.isArray(raw.data.datasets)) {
    datasets.push(...raw.data.datasets.filter((entry): entry is DatasetMetadata => typeof entry !== 'string'));
  }
  const datasetKeys = new Set<string>();
  for (const dataset of datasets) {
    if (!ids.has(dataset.site)) throw new RegistryError(`${source}: dataset ${dataset.localId} names unknown site ${dataset.site}`);
    const key = `${dataset.site}/${dataset.localId}`;
    if (datasetKeys.has(key)) throw new RegistryError(`${source}: dataset ${key} appears twice`);
    datasetKeys.add(key);
  }
  return { privacy, sites, datasets, source: path.resolve(source) };
}

export async function loadRegistry(file: string): Promise<Registry> {
  return parseRegistry(await readFile(file, 'utf8'), path.resolve(file));
}

/** The kinds present in a registry, in a stable order. */
export function kindsOf(registry: Pick<Registry, 'sites'>): string[] {
  return [...new Set(registry.sites.map((site) => site.kind))].sort();
}

/** The GraphQL type-name prefix of a kind: custom → Custom, my-pacs → MyPacs. */
export function kindTypePrefix(kind: string): string {
  return kind.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}
