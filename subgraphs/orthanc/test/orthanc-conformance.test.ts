import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseRegistry } from '@cancer-imaging/provider-kit';
import { describeProviderConformance } from '@cancer-imaging/provider-kit/testing';
import { describe, it } from 'vitest';
import { createOrthancSubgraph } from '../src/server.js';
import { orthancTestsEnabled } from '../src/local/require-orthanc.js';
import { startLocalOrthanc, uploadDicomFiles } from '../src/local/orthanc-process.js';
import { buildSampleDicom, filesOfSite, forbiddenIdentifierValues, sampleDicomAvailable } from '../src/local/sample-dicom.js';

// The kit's provider-contract suite against the Orthanc kind, over a real Orthanc loaded
// with the sample DICOM of one site.
if (orthancTestsEnabled() && sampleDicomAvailable()) {
  describeProviderConformance('orthanc kind over a real Orthanc', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cig-orthanc-conformance-'));
    const manifest = await buildSampleDicom({ outDir: dir });
    const orthanc = await startLocalOrthanc({ name: 'conformance' });
    await uploadDicomFiles(orthanc, filesOfSite(manifest, 'orthanc-a').map((file) => file.path));
    const site = manifest.sites.find((s) => s.id === 'orthanc-a')!;
    const registry = await parseRegistry(`sites:
  - { id: orthanc-a, name: A, country: BE, kind: orthanc, baseUrl: "${orthanc.url}", credentials: { username: CIG_T_USER, password: CIG_T_PASSWORD }, options: { grouping: { by: tag, tag: ClinicalTrialProtocolID } } }
datasets:
${site.datasets.map((d) => `  - { site: orthanc-a, localId: ${d.id}, title: ${d.id}, cancerTypes: [${d.cancerType}], publisher: { name: P } }`).join('\n')}
`, path.join(dir, 'registry.yaml'));
    const env = { CIG_T_USER: orthanc.username, CIG_T_PASSWORD: orthanc.password };
    return {
      createSubgraph: (overrides) => createOrthancSubgraph({ registry, env, pseudonymSecret: 'conformance-secret-0123456789', ...overrides }),
      forbiddenValues: async () => forbiddenIdentifierValues(manifest),
      teardown: async () => {
        await orthanc.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
} else {
  // orthancTestsEnabled() already failed the run under CI=true when Orthanc is missing.
  if (process.env.CI === 'true') throw new Error('pydicom (python3-pydicom) is missing: CI must install it (.ci/run).');
  describe('provider contract conformance: orthanc', () => {
    it.skip('needs Orthanc and pydicom (apt-get install orthanc orthanc-dicomweb python3-pydicom)', () => {});
  });
}
