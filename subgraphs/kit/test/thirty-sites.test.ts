import { HeaderMap } from '@apollo/server';
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createProviderSubgraph, type SiteConfig } from '../src/index.js';
import { buildFixtureRows, createInMemoryAdapter, withInjectedFaults, type InjectedFaults } from '../src/testing/index.js';

// EUCAIM's target size: 30 sites answered by one kind subgraph in parallel, each under its
// own deadline, so slow and dead sites cost the answer nothing beyond the deadline.
const DEADLINE_MS = 600;
const SITES = 30;
const faultsOf = (index: number): InjectedFaults =>
  index < 3 ? { latencyMs: DEADLINE_MS * 4 } // slower than the deadline
    : index < 5 ? { fault: 'unreachable' }
      : { latencyMs: 20 + (index % 5) * 10 };

function siteConfig(index: number): SiteConfig {
  return {
    id: `site-${String(index).padStart(2, '0')}`, name: `Site ${index}`, country: 'NL', kind: 'memory', baseUrl: 'memory:',
    credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs: DEADLINE_MS, options: {},
  };
}

describe('a cohort over 30 sites, 3 slower than the deadline and 2 unreachable', () => {
  it('answers within the deadline plus 100 ms, with 25 OK sites and the right statuses', async () => {
    const rows = buildFixtureRows(40);
    const subgraph = await createProviderSubgraph({
      kind: 'memory', sites: Array.from({ length: SITES }, (_, i) => siteConfig(i)),
      createAdapter: (site) => withInjectedFaults(createInMemoryAdapter(rows), faultsOf(Number(site.id.slice(5)))),
      pseudonymSecret: 'thirty-sites-secret-0123456789',
    });
    const representations = [...subgraph.sites.keys()].map((id) => ({ __typename: 'MemoryProvider', id }));
    const document = parse(`query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { id cohort(criteria: { cancerTypes: [LUNG] }) { status errorCode latencyMs subjects { value precision } } } } }`);
    const started = performance.now();
    const result = await execute({ schema: subgraph.schema, document, variableValues: { r: representations }, contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' }) });
    const elapsed = performance.now() - started;
    expect(result.errors).toBeUndefined();
    const cohorts = result.data!._entities as { id: string; cohort: { status: string; errorCode: string | null; latencyMs: number; subjects: { precision: string } } }[];
    const statuses = cohorts.map((c) => c.cohort.status);
    expect(statuses.filter((s) => s === 'OK')).toHaveLength(25);
    expect(statuses.slice(0, 3)).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
    expect(statuses.slice(3, 5)).toEqual(['UNREACHABLE', 'UNREACHABLE']);
    expect(cohorts.slice(0, 5).every((c) => c.cohort.subjects.precision === 'UNAVAILABLE')).toBe(true);
    expect(cohorts.slice(5).every((c) => c.cohort.latencyMs < DEADLINE_MS)).toBe(true);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 100);
  });
});

describe('a client-chosen cohort deadline', () => {
  async function thirtySites() {
    return createProviderSubgraph({
      kind: 'memory', sites: Array.from({ length: SITES }, (_, i) => siteConfig(i)),
      createAdapter: (site) => withInjectedFaults(createInMemoryAdapter(buildFixtureRows(20)), faultsOf(Number(site.id.slice(5)))),
      pseudonymSecret: 'thirty-sites-secret-0123456789',
    });
  }

  it('shortens the answer for every site, never lengthens it past the site deadline', async () => {
    const subgraph = await thirtySites();
    const representations = [...subgraph.sites.keys()].map((id) => ({ __typename: 'MemoryProvider', id }));
    const run = async (deadlineMs: number) => {
      const started = performance.now();
      const result = await execute({
        schema: subgraph.schema, variableValues: { r: representations, d: deadlineMs },
        document: parse(`query($r: [_Any!]!, $d: Int) { _entities(representations: $r) { ... on MemoryProvider { cohort(criteria: {}, deadlineMs: $d) { status } } } }`),
        contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' }),
      });
      return { elapsed: performance.now() - started, statuses: (result.data!._entities as { cohort: { status: string } }[]).map((e) => e.cohort.status) };
    };
    const short = await run(250);
    expect(short.elapsed).toBeLessThan(250 + 100);
    expect(short.statuses.filter((s) => s === 'TIMEOUT')).toHaveLength(3);
    expect(short.statuses.filter((s) => s === 'OK')).toHaveLength(25);
    const long = await run(60_000);
    expect(long.elapsed).toBeLessThan(DEADLINE_MS + 100);
  });

  it('refuses a deadline outside 100 to 60000 ms with BAD_USER_INPUT naming deadlineMs', async () => {
    const subgraph = await thirtySites();
    const result = await execute({
      schema: subgraph.schema, document: parse(`{ _entities(representations: [{ __typename: "MemoryProvider", id: "site-07" }]) { ... on MemoryProvider { cohort(criteria: {}, deadlineMs: 5) { status } } } }`),
      contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' }),
    });
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('"deadlineMs"');
  });
});
