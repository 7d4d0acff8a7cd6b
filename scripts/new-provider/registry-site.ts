import { parseRegistry, type Registry } from '@cancer-imaging/provider-kit';
import { isSeq, parseDocument } from 'yaml';

/** The registry entry of the new kind's first site. */
export interface NewSite {
  readonly id: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  readonly baseUrl: string;
}

/**
 * The registry text with one more site of the kind, appended to `sites:`. Edited as a YAML
 * document, so the file's comments and layout stay; the result is parsed with the kit's
 * own registry parser before it is returned, so a bad site (a duplicate id, a country that
 * is not ISO 3166) never reaches the file.
 */
export async function withSite(registryText: string, file: string, kind: string, site: NewSite): Promise<{ text: string; registry: Registry }> {
  const before = await parseRegistry(registryText, file);
  if (before.sites.some((existing) => existing.id === site.id)) throw new Error(`${file}: a site with id "${site.id}" exists already.`);
  const document = parseDocument(registryText);
  const sites = document.get('sites');
  if (!isSeq(sites)) throw new Error(`${file}: "sites" is not a list.`);
  const node = document.createNode({ id: site.id, name: site.name, country: site.country, kind, baseUrl: site.baseUrl });
  node.commentBefore = ` Added by \`npm run new-provider -- ${kind}\`: describe its datasets in the registry's dataset file.`;
  sites.items.push(node);
  const text = document.toString();
  return { text, registry: await parseRegistry(text, file) };
}
