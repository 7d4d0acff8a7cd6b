import { connect, graphUrl, table } from './env.js';

// Discovery: the graph's sites with their live status, then every lung-cancer CT dataset,
// paged through with an async iterator.
// Run: node --conditions=development --import tsx examples/sdk/providers-and-datasets.ts

const graph = connect();
console.log(`Graph: ${graphUrl}\n`);

const providers = await graph.providers();
console.log(`Sites (${providers.length}):`);
console.log(table([
  ['site', 'country', 'kind', 'status', 'name'],
  ...providers.map((p) => [p.id, p.country, p.kind, p.status ? `${p.status.status} ${p.status.latencyMs ?? '-'} ms` : 'unavailable', p.name]),
]));

const rows: string[][] = [];
let total = 0;
for await (const page of graph.datasets({ cancerTypes: ['LUNG'], modalities: ['CT'] }, { pageSize: 10 }).pages()) {
  total = page.totalCount ?? total;
  for (const d of page.nodes) rows.push([d.id, d.provider.id, String(d.subjectCount ?? '<suppressed>'), d.accessRights, d.title]);
}
console.log(`\nLung cancer CT datasets (${total}):`);
console.log(table([['dataset', 'site', 'subjects', 'access', 'title'], ...rows]));
