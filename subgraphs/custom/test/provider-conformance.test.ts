import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createProviderSubgraph } from '@cancer-imaging/provider-kit';
import { describeProviderConformance } from '@cancer-imaging/provider-kit/testing';
import { createCustomAdapterFactory } from '../src/index.js';
import { buildSmallDemo } from './fixtures/small-demo.js';

// The kit's provider-contract suite, run against the custom kind over the small demo.
describeProviderConformance('custom kind over the demo index', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cig-custom-conformance-'));
  const demo = await buildSmallDemo(dir);
  return {
    createSubgraph: (overrides) => createProviderSubgraph({
      kind: 'custom',
      sites: demo.registry.sites,
      createAdapter: createCustomAdapterFactory({ demoIndexPath: demo.file }),
      pseudonymSecret: 'conformance-secret-of-enough-length',
      ...overrides,
    }),
    forbiddenValues: async () => [
      ...new Set(demo.rows.flatMap((r) => [r.patientId, r.patientName, r.birthDate].filter((v): v is string => v !== null))),
    ],
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
});
