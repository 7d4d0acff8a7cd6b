import { escapeLabelValue } from '@cancer-imaging/provider-kit';

/** One process's text exposition and the `worker` label its samples get. */
export interface WorkerExposition {
  readonly worker: string;
  readonly text: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const META = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)/;
/** Sample names a family of that name owns besides its own (histograms and summaries). */
const FAMILY_SUFFIXES = ['_bucket', '_sum', '_count'];

interface MergedFamily {
  help?: string;
  type?: string;
  readonly samples: string[];
}

/** `name{a="b"} 1` → `name{worker="2",a="b"} 1`; `name 1` → `name{worker="2"} 1`. */
function withWorkerLabel(line: string, name: string, worker: string): string {
  const label = `worker="${escapeLabelValue(worker)}"`;
  const rest = line.slice(name.length);
  if (rest.startsWith('{}')) return `${name}{${label}}${rest.slice(2)}`;
  if (rest.startsWith('{')) return `${name}{${label},${rest.slice(1)}`;
  return `${name}{${label}}${rest}`;
}

/**
 * Several processes' expositions as one, so a scrape of any worker describes the whole
 * gateway: each sample gets a `worker` label, each family's HELP and TYPE come once, with
 * every worker's samples of it right after them (the text format wants all lines of a
 * family together). Families keep the order in which they first appear.
 *
 * The inputs are expositions of our own registry (same code in every worker, so the same
 * HELP and TYPE); a sample line follows the TYPE of its family, histogram `_bucket`, `_sum`
 * and `_count` lines included.
 */
export function mergeExpositions(parts: readonly WorkerExposition[]): string {
  const families = new Map<string, MergedFamily>();
  const familyOf = (name: string): MergedFamily => {
    let family = families.get(name);
    if (!family) {
      family = { samples: [] };
      families.set(name, family);
    }
    return family;
  };
  for (const { worker, text } of parts) {
    let current: string | undefined;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const meta = META.exec(line);
      if (meta) {
        const [, kind, name] = meta as unknown as [string, 'HELP' | 'TYPE', string];
        current = name;
        const family = familyOf(name);
        if (kind === 'HELP') family.help ??= line;
        else family.type ??= line;
        continue;
      }
      // Other comments carry nothing a merged exposition needs.
      if (line.startsWith('#')) continue;
      const name = METRIC_NAME.exec(line)?.[0];
      if (name === undefined) continue;
      const owner = current !== undefined && (name === current || FAMILY_SUFFIXES.some((suffix) => name === current + suffix)) ? current : name;
      familyOf(owner).samples.push(withWorkerLabel(line, name, worker));
    }
  }
  const lines: string[] = [];
  for (const family of families.values()) {
    if (family.help) lines.push(family.help);
    if (family.type) lines.push(family.type);
    lines.push(...family.samples);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
