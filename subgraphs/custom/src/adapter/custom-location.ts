import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SiteConfig } from '@cancer-imaging/provider-kit';
import { z } from 'zod';

/**
 * Where a custom site's index lives, from its registry entry:
 * - `baseUrl: demo:` is the embedded demo index, built at start by ensureDemoIndex; its path
 *   comes from `options.indexPath` or from the server (CustomAdapterDeps.demoIndexPath);
 * - `baseUrl: file:/abs/index.sqlite` (or `file:///abs/index.sqlite`) is an index the
 *   provider built, opened read-only.
 */
export const DEMO_BASE_URL = 'demo:';

export const customSiteOptionsSchema = z.object({
  /** Absolute path of the index file; overrides the server's demo index for a `demo:` site. */
  indexPath: z.string().min(1).optional(),
}).strict();
export type CustomSiteOptions = z.infer<typeof customSiteOptionsSchema>;

/** A registry entry that cannot be served; thrown at start, naming the site. */
export class CustomSiteConfigError extends Error {
  override name = 'CustomSiteConfigError';
}

export function isDemoSite(site: Pick<SiteConfig, 'baseUrl'>): boolean {
  return site.baseUrl === DEMO_BASE_URL;
}

function absolute(site: SiteConfig, file: string, what: string): string {
  if (!path.isAbsolute(file)) throw new CustomSiteConfigError(`custom site ${site.id}: ${what} must be an absolute path; got ${file}`);
  return path.normalize(file);
}

/** The index file of a site; throws CustomSiteConfigError for an entry that names none. */
export function resolveIndexFile(site: SiteConfig, demoIndexPath?: string): string {
  const options = customSiteOptionsSchema.safeParse(site.options);
  if (!options.success) throw new CustomSiteConfigError(`custom site ${site.id}: options: ${z.prettifyError(options.error)}`);
  if (isDemoSite(site)) {
    const file = options.data.indexPath ?? demoIndexPath;
    if (!file) {
      throw new CustomSiteConfigError(`custom site ${site.id} serves the embedded demo (baseUrl demo:) but no demo index was given: build it with ensureDemoIndex and pass its path`);
    }
    return absolute(site, file, 'the demo index path');
  }
  if (site.baseUrl.startsWith('file:')) {
    if (options.data.indexPath) throw new CustomSiteConfigError(`custom site ${site.id}: options.indexPath only applies to demo: sites; the file: baseUrl names the index`);
    const rest = site.baseUrl.slice('file:'.length);
    const file = rest.startsWith('//') ? fileURLToPath(site.baseUrl) : decodeURIComponent(rest);
    return absolute(site, file, 'the file: baseUrl');
  }
  throw new CustomSiteConfigError(`custom site ${site.id}: baseUrl must be demo: or file:/absolute/path/to/index.sqlite; got ${site.baseUrl}`);
}
