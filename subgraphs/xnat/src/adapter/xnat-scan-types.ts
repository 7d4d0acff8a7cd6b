/**
 * Which scan data types the search service is asked about for a project.
 *
 * XNAT's search service answers only a search rooted at a CONCRETE data type: the abstract
 * xnat:imageScanData has no display document and a search rooted at it fails (500). Every
 * concrete scan type has one (xnat-web `schemas/xnat/display/xnat_<type>_display.xml`), so
 * the adapter searches per type. The types come from the project's image sessions: an
 * `xnat:<x>SessionData` holds `xnat:<x>ScanData` scans (the DICOM importer picks both from
 * the modality), with the multi-modality exceptions below; `xnat:segScanData` (DICOM SEG)
 * can sit in any session; a site can name more (`extraScanTypes`, e.g.
 * `xnat:otherDicomScanData`, where the importer files SR, KO, RTSTRUCT...).
 *
 * A session whose data type implies no scan type (a plugin's session type outside the
 * `xnat:` namespace) is listed instead, as is every session that could hold a type whose
 * search failed.
 */

/** Session data types whose scans are of more than the one type the name implies. */
const MULTI_TYPE_SESSIONS: Readonly<Record<string, readonly string[]>> = {
  // PET-CT: the attenuation-correction and diagnostic CT series are xnat:ctScanData.
  'xnat:petsessiondata': ['xnat:petScanData', 'xnat:ctScanData'],
  'xnat:petmrsessiondata': ['xnat:petScanData', 'xnat:mrScanData'],
  'xnat:rtsessiondata': ['xnat:rtImageScanData'],
};

/** Scan data types any image session may hold. */
export const ANY_SESSION_SCAN_TYPES: readonly string[] = ['xnat:segScanData'];

/** A concrete scan data type as the search service takes it for a root element. */
export const SCAN_DATA_TYPE = /^[A-Za-z][A-Za-z0-9]*:[A-Za-z][A-Za-z0-9]*ScanData$/;

/** The scan data types an image session of `sessionType` holds, or undefined when unknown. */
export function scanTypesOfSession(sessionType: string): readonly string[] | undefined {
  const type = sessionType.trim();
  const known = MULTI_TYPE_SESSIONS[type.toLowerCase()];
  if (known) return known;
  const match = /^xnat:([A-Za-z0-9]+)SessionData$/i.exec(type);
  return match ? [`xnat:${match[1]}ScanData`] : undefined;
}

/** Distinct scan data types (case-insensitively, first spelling kept), sorted. */
export function distinctScanTypes(types: Iterable<string>): string[] {
  const byKey = new Map<string, string>();
  for (const type of types) if (!byKey.has(type.toLowerCase())) byKey.set(type.toLowerCase(), type);
  return [...byKey.values()].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
}
