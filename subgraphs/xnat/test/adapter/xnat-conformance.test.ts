import { parseRegistry } from '@cancer-imaging/provider-kit';
import { describeProviderConformance } from '@cancer-imaging/provider-kit/testing';
import { setupServer } from 'msw/node';
import { createXnatSubgraph } from '../../src/server.js';
import { ENV, PASSWORD_VAR, USER_VAR } from './support/helpers.js';
import { buildProjects, createFakeXnat } from './support/msw-xnat.js';

// The kit's provider-contract suite against the XNAT kind, over an msw-served XNAT 1.8 site
// (the shapes of test/adapter/fixtures) holding two projects.
const BASE = 'http://xnat-conformance.test';

describeProviderConformance('xnat kind over an msw-served XNAT 1.8', async () => {
  const projects = buildProjects({ projects: [{ id: 'LUNG-CT', subjects: 25 }, { id: 'PROSTATE-MR', subjects: 12 }], withRois: true });
  const fake = createFakeXnat(projects, { base: BASE, users: { 'cig-reader': 'xN4t-s3cret-Pa55!' } });
  const server = setupServer(...fake.handlers);
  server.listen({ onUnhandledRequest: 'error' });
  const registry = await parseRegistry(`sites:
  - { id: xnat-a, name: XNAT A, country: NL, kind: xnat, baseUrl: "${BASE}", credentials: { username: ${USER_VAR}, password: ${PASSWORD_VAR} } }
datasets:
  - { site: xnat-a, localId: LUNG-CT, title: Lung CT, cancerTypes: [LUNG], publisher: { name: P } }
  - { site: xnat-a, localId: PROSTATE-MR, title: Prostate MR, cancerTypes: [PROSTATE], publisher: { name: P } }
`, '/virtual/registry.yaml');
  return {
    createSubgraph: (overrides) => createXnatSubgraph({
      registry, env: ENV, pseudonymSecret: 'conformance-secret-0123456789', fetch: (...args) => globalThis.fetch(...args), ...overrides,
    }),
    // Labels (built like names), subject accessions and birth dates must never show.
    forbiddenValues: async () => projects.flatMap((p) => [
      ...p.subjects.flatMap((s) => [s.label, s.id, ...(s.dob ? [s.dob] : [])]),
      ...p.sessions.map((s) => s.label),
    ]),
    teardown: async () => server.close(),
  };
});
