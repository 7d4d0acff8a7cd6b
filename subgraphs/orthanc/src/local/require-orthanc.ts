import { missingTestTool } from '@cancer-imaging/provider-kit';
import { orthancBinary } from './orthanc-process.js';

/**
 * Whether tests that need a real Orthanc can run. Without the binary they are skipped with
 * a loud message, except under CI=true where a missing Orthanc is a failure: CI installs it.
 */
export function orthancTestsEnabled(): boolean {
  if (orthancBinary()) return true;
  return missingTestTool('Orthanc is not installed (apt-get install orthanc orthanc-dicomweb): the Orthanc e2e tests cannot run.');
}
