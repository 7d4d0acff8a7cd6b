/**
 * What tests that need a real external server or tool (Orthanc, PostgreSQL, Redis, Jupyter)
 * do when it is missing: skip with a loud message on a developer's machine, fail under
 * CI=true, where .ci/run installs it. Returns false (skip) or throws.
 */
export function missingTestTool(message: string): false {
  if (process.env['CI'] === 'true') throw new Error(`${message} CI must install it (.ci/run).`);
  console.warn(`\n!!! ${message} SKIPPING them. !!!\n`);
  return false;
}
