import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeaderMap } from '@apollo/server';
import { createProviderSubgraph, type ProviderSubgraph } from '@cancer-imaging/provider-kit';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomAdapterFactory } from '../src/index.js';
import { buildSmallDemo } from './fixtures/small-demo.js';

let dir: string;
let demo: Awaited<ReturnType<typeof buildSmallDemo>>;
let subgraph: ProviderSubgraph;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cig-pseudonyms-'));
  demo = await buildSmallDemo(dir);
  subgraph = await createProviderSubgraph({
    kind: 'custom', sites: demo.registry.sites, createAdapter: createCustomAdapterFactory({ demoIndexPath: demo.file }),
    pseudonymSecret: 'pseudonym-test-secret-0123456789',
    accessPolicy: { canReadRecords: () => true, canSeeExactCounts: () => true },
    resolveCaller: () => ({ id: 'researcher', roles: [], grants: [] }),
  });
});

afterAll(async () => {
  await subgraph?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('subject pseudonyms of the custom kind', () => {
  it('never equal, contain or reveal a PatientID or patient name of the source, and are unique per subject', async () => {
    const patientIds = new Set(demo.rows.map((r) => r.patientId));
    const names = new Set(demo.rows.map((r) => r.patientName).filter((n): n is string => n !== null));
    const ids: string[] = [];
    for (const site of subgraph.sites.values()) {
      for (const dataset of (await site.datasetTotals()).values()) {
        let after: string | null = null;
        do {
          const result = await execute({
            schema: subgraph.schema,
            document: parse(`query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on CustomDataset { subjects(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } } }`),
            variableValues: { r: [{ __typename: 'CustomDataset', id: `${site.id}:custom:${dataset.localId}` }], after },
            contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' }),
          });
          expect(result.errors).toBeUndefined();
          const page = (result.data!._entities as [{ subjects: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }])[0].subjects;
          ids.push(...page.nodes.map((n) => n.id));
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        } while (after);
      }
    }
    expect(ids.length).toBe(new Set(demo.rows.map((r) => `${r.siteId}/${r.datasetId}/${r.patientId}`)).size);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      const pseudonym = id.split(':').slice(2).join(':');
      expect(patientIds.has(pseudonym) || names.has(pseudonym)).toBe(false);
      for (const patientId of patientIds) expect(id.includes(patientId)).toBe(false);
    }
  });
});
