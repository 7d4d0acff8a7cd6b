import { describe, expect, it } from 'vitest';
import { createResponseCachePolicy, isCatalogueEntityTypename, QueryShapeCache, readQueryShape } from './policy.js';
import type { SubgraphFetchDescription } from './types.js';

const policy = createResponseCachePolicy({ subgraphs: ['catalogue'] });

const ENTITIES = 'query($representations:[_Any!]!){_entities(representations:$representations){...on CustomDataset{title}...on CustomProvider{name}}}';

function fetchOf(query: string, overrides: Partial<SubgraphFetchDescription> = {}): SubgraphFetchDescription {
  return { subgraph: 'catalogue', query, variables: undefined, operationType: 'query', callerKey: undefined, ...overrides };
}

function entitiesOf(...typenames: string[]): SubgraphFetchDescription {
  return fetchOf(ENTITIES, { variables: { representations: typenames.map((__typename, index) => ({ __typename, id: `site-${index}` })) } });
}

describe('createResponseCachePolicy: what may be cached', () => {
  it.each([
    ['providers', '{providers{__typename id name country kind}}'],
    ['provider', 'query Q__catalogue__0($id:ID!){provider(id:$id){__typename id name}}'],
    ['datasets', 'query($first:Int){datasets(first:$first){edges{node{__typename id title}}pageInfo{hasNextPage endCursor}}}'],
    ['dataset', 'query($id:ID!){dataset(id:$id){__typename id title provider{id name}}}'],
    ['savedCohort', 'query($id:ID!){savedCohort(id:$id){id criteria{modalities}createdAt}}'],
    ['an aliased public read beside __typename', '{__typename all:providers{id} one:provider(id:"demo-nl"){id}}'],
    ['several public reads in one fetch', '{providers{id} datasets{totalCount}}'],
  ])('caches %s', (_name, query) => {
    expect(policy.isCacheable(fetchOf(query))).toBe(true);
  });

  it.each([
    ['myAccessRequests', '{myAccessRequests{edges{node{id}}}}'],
    ['accessRequests', '{accessRequests{edges{node{id}}}}'],
    ['accessRequest', '{accessRequest(id:"r1"){id state}}'],
    ['myGrants', '{myGrants{id}}'],
    ['grants', '{grants{edges{node{id}}}}'],
    ['auditLog', '{auditLog{sequence}}'],
    ['cohortReport', '{cohortReport(id:"c1"){generatedAt}}'],
    ['a public read beside a private one', '{providers{id} myGrants{id}}'],
    ['a field the policy does not know', '{somethingNew{id}}'],
    ['a fetch of nothing but __typename', '{__typename}'],
    ['a root fragment spread', 'query{...F} fragment F on Query{providers{id}}'],
    ['a root inline fragment', '{...on Query{providers{id}}}'],
    ['a text that does not parse', '{providers{id}'],
    ['two operations', 'query A{providers{id}} query B{datasets{totalCount}}'],
  ])('does not cache %s', (_name, query) => {
    expect(policy.isCacheable(fetchOf(query))).toBe(false);
  });

  it('never caches a mutation, whether the fetch or the text says so', () => {
    expect(policy.isCacheable(fetchOf('{providers{id}}', { operationType: 'mutation' }))).toBe(false);
    expect(policy.isCacheable(fetchOf('mutation($c:CohortCriteria!){saveCohort(criteria:$c){id}}'))).toBe(false);
    expect(policy.isCacheable(fetchOf('mutation{providers{id}}', { operationType: 'mutation' }))).toBe(false);
  });

  it('caches only the configured subgraphs, by name in any case', () => {
    expect(policy.isCacheable(fetchOf('{providers{id}}', { subgraph: 'custom' }))).toBe(false);
    expect(createResponseCachePolicy({ subgraphs: ['Catalogue'] }).isCacheable(fetchOf('{providers{id}}'))).toBe(true);
    expect(createResponseCachePolicy({ subgraphs: [] }).isCacheable(fetchOf('{providers{id}}'))).toBe(false);
  });

  it('caches _entities fetches whose representations are all providers or datasets', () => {
    expect(policy.isCacheable(entitiesOf('CustomDataset'))).toBe(true);
    expect(policy.isCacheable(entitiesOf('Provider', 'Dataset', 'XnatProvider', 'OrthancDataset', 'CustomDataset'))).toBe(true);
  });

  it.each([
    ['a cohort report\'s site', ['CustomCohortSite']],
    ['a dataset beside a cohort report\'s site', ['CustomDataset', 'CohortSite']],
    ['a record-level type', ['CustomSeries']],
    ['a lower-case imitation', ['customDataset']],
    ['no representation at all', []],
  ])('does not cache _entities of %s', (_name, typenames) => {
    expect(policy.isCacheable(entitiesOf(...typenames))).toBe(false);
  });

  it('does not cache _entities whose representations are missing, malformed or written inline', () => {
    expect(policy.isCacheable(fetchOf(ENTITIES))).toBe(false);
    expect(policy.isCacheable(fetchOf(ENTITIES, { variables: { representations: [{ id: 'x' }] } }))).toBe(false);
    expect(policy.isCacheable(fetchOf(ENTITIES, { variables: { representations: { __typename: 'CustomDataset' } } }))).toBe(false);
    expect(policy.isCacheable(fetchOf('{_entities(representations:[{__typename:"CustomDataset",id:"x"}]){...on CustomDataset{title}}}'))).toBe(false);
    expect(policy.isCacheable(fetchOf('query($r:[_Any!]!){_entities(representations:$r){...on CustomDataset{title}} providers{id}}', { variables: { r: [{ __typename: 'CustomDataset', id: 'x' }] } }))).toBe(false);
  });

  it('never caches a query that selects a record-level field, even of a dataset in a configured kind subgraph', () => {
    const everywhere = createResponseCachePolicy({ subgraphs: ['catalogue', 'custom'] });
    const datasets = { representations: [{ __typename: 'CustomDataset', id: 'demo-nl:custom:a' }] };
    const ask = (selection: string) =>
      everywhere.isCacheable(fetchOf(`query($representations:[_Any!]!){_entities(representations:$representations){...on CustomDataset{${selection}}}}`, { subgraph: 'custom', variables: datasets }));
    expect(ask('subjectCount')).toBe(true);
    expect(ask('subjects{edges{node{id}}}')).toBe(false);
    expect(ask('subjects{edges{node{studies{edges{node{series{edges{node{retrieveUrl}}}}}}}}}')).toBe(false);
    // Hidden in a fragment, too.
    expect(everywhere.isCacheable(fetchOf('query($representations:[_Any!]!){_entities(representations:$representations){...D}} fragment D on CustomDataset{subjects{totalCount}}', { subgraph: 'custom', variables: datasets }))).toBe(false);
  });

  it('reads the representations from the variable the query names', () => {
    const query = 'query($reps:[_Any!]!){_entities(representations:$reps){...on CustomProvider{name}}}';
    expect(policy.isCacheable(fetchOf(query, { variables: { reps: [{ __typename: 'CustomProvider', id: 'demo-nl' }] } }))).toBe(true);
    expect(policy.isCacheable(fetchOf(query, { variables: { representations: [{ __typename: 'CustomProvider', id: 'demo-nl' }] } }))).toBe(false);
  });
});

describe('createResponseCachePolicy: which answers may be kept', () => {
  const providers = fetchOf('{providers{id}}');

  it('keeps a complete answer to a cacheable fetch', () => {
    expect(policy.isKeepable(providers, { data: { providers: [] } })).toBe(true);
  });

  it('keeps no answer with errors, none without data, and none to a fetch it would not cache', () => {
    expect(policy.isKeepable(providers, { data: { providers: [] }, errors: [{ message: 'boom' }] })).toBe(false);
    expect(policy.isKeepable(providers, { data: null })).toBe(false);
    expect(policy.isKeepable(providers, {})).toBe(false);
    expect(policy.isKeepable(fetchOf('{myGrants{id}}'), { data: { myGrants: [] } })).toBe(false);
    expect(policy.isKeepable(fetchOf('{providers{id}}', { operationType: 'mutation' }), { data: { providers: [] } })).toBe(false);
  });

  it('keeps a saved cohort once found, never "no such cohort", under its alias too', () => {
    const query = 'query($id:ID!){savedCohort(id:$id){id}}';
    expect(policy.isKeepable(fetchOf(query), { data: { savedCohort: { id: 'c1' } } })).toBe(true);
    expect(policy.isKeepable(fetchOf(query), { data: { savedCohort: null } })).toBe(false);
    const aliased = '{a:savedCohort(id:"c1"){id} b:savedCohort(id:"c2"){id}}';
    expect(policy.isKeepable(fetchOf(aliased), { data: { a: { id: 'c1' }, b: { id: 'c2' } } })).toBe(true);
    expect(policy.isKeepable(fetchOf(aliased), { data: { a: { id: 'c1' }, b: null } })).toBe(false);
  });
});

describe('isCatalogueEntityTypename', () => {
  it('names the Provider and Dataset interfaces and every kind\'s implementations, nothing else', () => {
    for (const typename of ['Provider', 'Dataset', 'CustomProvider', 'XnatDataset', 'MyPacs2Dataset']) expect(isCatalogueEntityTypename(typename)).toBe(true);
    for (const typename of ['CustomCohortSite', 'CohortSite', 'CustomSubject', 'DatasetCohort', 'ProviderCohort', 'Grant', '_Service']) {
      expect(isCatalogueEntityTypename(typename)).toBe(false);
    }
  });
});

describe('readQueryShape and QueryShapeCache', () => {
  it('reads root field names and their response names', () => {
    expect(readQueryShape('{all:providers{id} dataset(id:"x"){id}}')).toEqual({
      cacheable: true,
      rootFields: [{ name: 'providers', responseName: 'all' }, { name: 'dataset', responseName: 'dataset' }],
    });
  });

  it('parses each distinct text once and holds no more than its bound', () => {
    const cache = new QueryShapeCache(2);
    const first = cache.get('{providers{id}}');
    expect(cache.get('{providers{id}}')).toBe(first);
    cache.get('{datasets{totalCount}}');
    cache.get('{dataset(id:"x"){id}}');
    expect(cache.size).toBe(2);
    // The oldest text was dropped: reading it again parses it afresh.
    expect(cache.get('{providers{id}}')).not.toBe(first);
  });
});
