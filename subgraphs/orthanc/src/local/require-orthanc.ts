import { orthancBinary } from './orthanc-process.js';

/**
 * Whether tests that need a real Orthanc can run. Without the binary they are skipped with
 * a loud message, except under CI=true where a missing Orthanc is a failure: CI installs it.
 */
export function orthancTestsEnabled(): boolean {
  if (orthancBinary()) return true;
  const message = 'Orthanc is not installed (apt-get install orthanc orthanc-dicomweb): the Orthanc e2e tests cannot run.';
  if (process.env.CI === 'true') throw new Error(`${message} CI must install it (.ci/run).`);
  console.warn(`\n!!! ${message} SKIPPING them. !!!\n`);
  return false;
}
