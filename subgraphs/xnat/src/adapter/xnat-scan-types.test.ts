import { describe, expect, it } from 'vitest';
import { distinctScanTypes, SCAN_DATA_TYPE, scanTypesOfSession } from './xnat-scan-types.js';

describe('xnat scan types', () => {
  it('derive the scan data types of a session from its data type, with the multi-modality sessions', () => {
    expect(scanTypesOfSession('xnat:ctSessionData')).toEqual(['xnat:ctScanData']);
    expect(scanTypesOfSession('xnat:mrSessionData')).toEqual(['xnat:mrScanData']);
    expect(scanTypesOfSession('xnat:xa3DSessionData')).toEqual(['xnat:xa3DScanData']);
    expect(scanTypesOfSession('xnat:petSessionData')).toEqual(['xnat:petScanData', 'xnat:ctScanData']);
    expect(scanTypesOfSession('xnat:PETMRSessionData')).toEqual(['xnat:petScanData', 'xnat:mrScanData']);
    expect(scanTypesOfSession('xnat:rtSessionData')).toEqual(['xnat:rtImageScanData']);
    // A plugin's session type implies nothing: its sessions are listed.
    expect(scanTypesOfSession('acme:opticalSessionData')).toBeUndefined();
    expect(scanTypesOfSession('xnat:subjectData')).toBeUndefined();
  });

  it('keep each type once, case-insensitively, in a stable order', () => {
    expect(distinctScanTypes(['xnat:petScanData', 'xnat:ctScanData', 'xnat:CTScanData', 'xnat:segScanData'])).toEqual(['xnat:ctScanData', 'xnat:petScanData', 'xnat:segScanData']);
  });

  it('accept only a namespaced *ScanData name as a search root', () => {
    expect(['xnat:otherDicomScanData', 'icr:fooScanData'].every((t) => SCAN_DATA_TYPE.test(t))).toBe(true);
    expect(['xnat:mrSessionData', 'otherDicomScanData', 'xnat:ct</x>ScanData', ''].some((t) => SCAN_DATA_TYPE.test(t))).toBe(false);
  });
});
