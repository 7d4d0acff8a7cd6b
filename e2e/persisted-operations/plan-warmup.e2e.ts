import { QueryPlanner } from '@apollo/query-planner';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '@cancer-imaging/sdk';
import { postGraphQL } from '../support/graphql.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// The query-plan warm-up through the demo graph: start() resolves only once every
// persisted operation is planned, so the first request of one builds no plan. Plans built
// are counted on @apollo/query-planner's QueryPlanner, which the gateway plans with.

const CRITERIA = { cancerTypes: ['LUNG' as const], modalities: ['CT' as const] };
const AD_HOC = 'query AdHoc($c: CohortCriteria!) { providers { id cohort(criteria: $c) { status } } }';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a gateway just started (warm-up on, the default)', () => {
  let graph: InProcessGraph;
  beforeAll(async () => {
    graph = await startInProcessGraph();
  }, 180_000);
  afterAll(async () => {
    await graph?.stop();
  });

  it('builds no plan for the first request of an SDK operation or of the EUCAIM route, and one for an operation of no manifest', async () => {
    const builds = vi.spyOn(QueryPlanner.prototype, 'buildQueryPlan');
    const { errors } = await createClient({ url: graph.url }).cohortBySite(CRITERIA);
    expect(errors).toEqual([]);
    const eucaim = await fetch(graph.url.replace(/\/graphql$/, '/eucaim/search?modality=CT'));
    expect(eucaim.status).toBe(200);
    expect(builds).not.toHaveBeenCalled();

    const adHoc = await postGraphQL(graph.url, AD_HOC, { c: CRITERIA });
    expect(adHoc.body.errors).toBeUndefined();
    expect(builds).toHaveBeenCalledTimes(1);
  });
});

describe('a gateway started with CIG_GATEWAY_PLAN_WARMUP=false', () => {
  let graph: InProcessGraph;
  beforeAll(async () => {
    graph = await startInProcessGraph({ gatewayEnv: { CIG_GATEWAY_PLAN_WARMUP: 'false' } });
  }, 180_000);
  afterAll(async () => {
    await graph?.stop();
  });

  it('plans an SDK operation at its first request, as before the warm-up', async () => {
    const builds = vi.spyOn(QueryPlanner.prototype, 'buildQueryPlan');
    await createClient({ url: graph.url }).cohortBySite(CRITERIA);
    expect(builds).toHaveBeenCalledTimes(1);
  });
});
