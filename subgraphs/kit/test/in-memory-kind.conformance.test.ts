import { describeProviderConformance } from '../src/testing/index.js';
import { buildFixtureRows, createInMemoryAdapter } from '../src/testing/index.js';
import { createProviderSubgraph } from '../src/index.js';
import type { SiteConfig } from '../src/registry.js';

const rows = buildFixtureRows(60);
const site: SiteConfig = {
  id: 'memory-site', name: 'In-memory site', country: 'NL', kind: 'memory', baseUrl: 'memory:',
  credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs: 1_000, options: {},
};

// The kit proves its own conformance suite against the reference in-memory adapter.
describeProviderConformance('in-memory reference kind', async () => ({
  createSubgraph: (overrides) => createProviderSubgraph({
    kind: 'memory', sites: [site], createAdapter: () => createInMemoryAdapter(rows),
    pseudonymSecret: 'conformance-secret-0123456789', ...overrides,
  }),
  forbiddenValues: async () => rows.flatMap((r) => [r.patientId, r.patientName ?? '', r.birthDate ?? '']),
}));
