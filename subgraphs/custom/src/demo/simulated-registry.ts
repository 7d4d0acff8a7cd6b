import type { DatasetMetadata, PrivacyThresholds, Registry, SiteConfig } from '@cancer-imaging/provider-kit';
import { DEMO_BASE_URL } from '../adapter/custom-location.js';
import { CUSTOM_KIND } from './demo-spec.js';

/**
 * A federation of N simulated custom sites (EUCAIM targets 30+) built from a curated demo
 * catalogue, for the scale tests and benchmarks. The curated datasets are dealt out to the
 * sites round-robin, unchanged but for their site, publisher and (optionally scaled) size,
 * so the demo generator keeps every dataset inside what its catalogue entry declares and the
 * catalogue and the counts still agree. Every site holds at least one dataset: with more
 * sites than datasets, datasets are dealt again (a copy at another site is generated from
 * that site's own random stream, so it holds different subjects).
 */

export interface SimulatedRegistryOptions {
  /** How many sites; at least 1. */
  readonly sites: number;
  /**
   * Multiplies each dataset's size.subjects (rounded, at least 1): tests scale the
   * ~20,000-subject demo down so building its index takes a fraction of a second. Default 1.
   */
  readonly subjectScale?: number;
  /** Site ids are `<prefix>-01`, `<prefix>-02`, ... (lower-case letters, digits, dashes); default `sim`. */
  readonly idPrefix?: string;
  /** Each site's deadline for one upstream operation; default the registry default (5000). */
  readonly deadlineMs?: number;
}

/** EUCAIM member countries, cycled over the sites so a country filter has something to split. */
const COUNTRIES = ['NL', 'ES', 'IT', 'DE', 'GR', 'FR', 'PT', 'BE', 'SE', 'AT', 'PL', 'CZ', 'HU', 'FI', 'NO'] as const;
const DEFAULT_DEADLINE_MS = 5_000;

/**
 * Deals `base`'s datasets (sorted by local id, then site, so the order of the catalogue
 * file does not matter) over `options.sites` demo sites. Pure and deterministic: the same
 * base and options always give the same registry, hence the same cached demo index.
 */
export function buildSimulatedRegistry(base: Pick<Registry, 'privacy' | 'datasets'>, options: SimulatedRegistryOptions): Registry {
  const count = options.sites;
  if (!Number.isInteger(count) || count < 1 || count > 999) throw new RangeError(`sites must be an integer from 1 to 999; got ${count}`);
  const scale = options.subjectScale ?? 1;
  if (!(scale > 0)) throw new RangeError(`subjectScale must be positive; got ${scale}`);
  const source = [...base.datasets].filter((d) => d.size?.subjects !== undefined).sort(byLocalIdThenSite);
  if (source.length === 0) throw new RangeError('the base catalogue has no dataset with size.subjects to deal out');

  const prefix = options.idPrefix ?? 'sim';
  const width = Math.max(2, String(count).length);
  const sites: SiteConfig[] = Array.from({ length: count }, (_, index) => {
    const number = String(index + 1).padStart(width, '0');
    return {
      id: `${prefix}-${number}`,
      name: `Simulated site ${number} (synthetic)`,
      country: COUNTRIES[index % COUNTRIES.length]!,
      kind: CUSTOM_KIND,
      baseUrl: DEMO_BASE_URL,
      credentials: {},
      privacy: { ...base.privacy } satisfies PrivacyThresholds,
      deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
      options: {},
    };
  });

  const datasets: DatasetMetadata[] = [];
  const taken = new Set<string>();
  for (let deal = 0; deal < Math.max(count, source.length); deal++) {
    const curated = source[deal % source.length]!;
    const site = sites[deal % count]!;
    // Two base sites may share a local id; at one simulated site they must not.
    let localId = curated.localId;
    for (let n = 2; taken.has(`${site.id}/${localId}`); n++) localId = `${curated.localId}-${n}`;
    taken.add(`${site.id}/${localId}`);
    datasets.push({
      ...curated,
      site: site.id,
      localId,
      size: { subjects: Math.max(1, Math.round(curated.size!.subjects * scale)) },
      // The publisher and contact are the simulated site's, not the demo site it came from.
      publisher: { name: site.name, url: `https://${site.id}.example.org` },
      contact: { name: 'Data access desk (synthetic)', email: `data-access@${site.id}.example.org` },
    });
  }
  return { privacy: { ...base.privacy }, sites, datasets, source: `/virtual/${prefix}-${count}-sites.json` };
}

/**
 * The registry as a registry file's text (JSON, which the YAML loader reads), for tools that
 * take a path (the supergraph composer, the services of `npm start`).
 */
export function toRegistryText(registry: Pick<Registry, 'privacy' | 'sites' | 'datasets'>): string {
  return `${JSON.stringify({ privacy: registry.privacy, sites: registry.sites, datasets: registry.datasets }, null, 2)}\n`;
}

function byLocalIdThenSite(a: DatasetMetadata, b: DatasetMetadata): number {
  return compare(a.localId, b.localId) || compare(a.site, b.site);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
