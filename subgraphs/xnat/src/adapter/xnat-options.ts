import type { SiteConfig } from '@cancer-imaging/provider-kit';
import { z } from 'zod';
import { SCAN_DATA_TYPE } from './xnat-scan-types.js';

/**
 * The `options` of an XNAT site in the registry, e.g.
 *
 * ```yaml
 * - id: radboud-xnat
 *   kind: xnat
 *   baseUrl: https://xnat.example.org
 *   credentials: { username: CIG_RADBOUD_XNAT_USER, password: CIG_RADBOUD_XNAT_PASSWORD }
 *   options:
 *     projects: [LUNG-CT-01, PROSTATE-MR]
 *     snapshotTtlMs: 60000
 * ```
 */
export const xnatSiteOptionsSchema = z.strictObject({
  /**
   * The projects that are datasets. Default: every project GET /data/projects lists for the
   * account (XNAT lists the projects the account can read).
   */
  projects: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$/, 'an XNAT project id')).min(1).optional(),
  /** How long a project's snapshot (subjects, sessions, scans) is reused. 0 re-reads every call. */
  snapshotTtlMs: z.number().int().min(0).max(3_600_000).default(60_000),
  /** Upstream calls in flight at once when listing (scans per session, ROI collections). */
  parallelism: z.number().int().min(1).max(32).default(6),
  /** Count scans through the search service (one search per scan data type); false: list every session's scans. */
  useSearchService: z.boolean().default(true),
  /**
   * Scan data types searched in every project beside those its session types imply and
   * xnat:segScanData, e.g. xnat:otherDicomScanData (where XNAT files SR, KO, RTSTRUCT...).
   * Scans of a type not searched are counted only in sessions that are listed.
   */
  extraScanTypes: z.array(z.string().regex(SCAN_DATA_TYPE, 'an XNAT scan data type such as xnat:otherDicomScanData')).max(16).default([]),
  /** Sessions whose full scan rows (UIDs, descriptions) are kept for browsing; least recently used go first. */
  detailCacheSessions: z.number().int().min(1).max(100_000).default(2_000),
});
export type XnatSiteOptions = z.infer<typeof xnatSiteOptionsSchema>;

export class XnatOptionsError extends Error {
  override name = 'XnatOptionsError';
}

/** Validates a site's options; throws XnatOptionsError naming the site. */
export function parseXnatSiteOptions(site: Pick<SiteConfig, 'id' | 'options'>): XnatSiteOptions {
  const parsed = xnatSiteOptionsSchema.safeParse(site.options ?? {});
  if (!parsed.success) throw new XnatOptionsError(`site ${site.id}: invalid XNAT options: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
