import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/**
 * schema/subgraphs.json of a checkout (the same shape scripts/generate/compose.ts reads),
 * read and written for a given root so the scaffold can work on a copy in a temp dir.
 */
const entry = z.object({ package: z.string(), url: z.string().url() });
export const subgraphListSchema = z.object({
  catalogue: entry,
  kinds: z.record(z.string(), entry),
  supergraphs: z.array(z.object({ registry: z.string(), supergraph: z.string(), api: z.string().optional() })).min(1),
}).passthrough();
export type SubgraphList = z.infer<typeof subgraphListSchema>;
export type SupergraphTarget = SubgraphList['supergraphs'][number];

export const SUBGRAPH_LIST_PATH = 'schema/subgraphs.json';

/** The list and its text, as committed. */
export async function readSubgraphList(root: string): Promise<{ list: SubgraphList; text: string }> {
  const file = path.join(root, SUBGRAPH_LIST_PATH);
  const text = await readFile(file, 'utf8');
  const parsed = subgraphListSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return { list: parsed.data, text };
}

/**
 * The list with one more kind, kinds in name order, and its text formatted as committed.
 * Edited on the file's own JSON, so keys the scaffold does not know ($comment) keep their place.
 */
export function withKind(text: string, kind: string, value: { package: string; url: string }): { list: SubgraphList; text: string } {
  const raw = JSON.parse(text) as Record<string, unknown> & { kinds: Record<string, unknown> };
  raw.kinds = Object.fromEntries([...Object.entries(raw.kinds), [kind, value] as const].sort(([a], [b]) => a.localeCompare(b)));
  return { list: subgraphListSchema.parse(raw), text: `${JSON.stringify(raw, null, 2)}\n` };
}

/**
 * The default local port of a new kind: one above every port the list's URLs use, so
 * `npm start` style local graphs never give two subgraphs one port.
 */
export function nextFreePort(list: SubgraphList): number {
  const ports = [list.catalogue, ...Object.values(list.kinds)].map((value) => Number(new URL(value.url).port)).filter((port) => port > 0);
  return Math.max(4000, ...ports) + 1;
}
