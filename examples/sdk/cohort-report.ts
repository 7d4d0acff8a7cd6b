import { formatCount, formatProtectedSum, sumCohortCounts } from '@cancer-imaging/sdk';
import { connect, graphUrl, table } from './env.js';

// A cohort report: save the criteria under an id, then fetch the report that counts them
// now, per site and per dataset; the gateway also serves it as CSV and JSON, to attach to
// an access request.
// Run: node --conditions=development --import tsx examples/sdk/cohort-report.ts

const graph = connect();
const saved = await graph.saveCohort({ cancerTypes: ['LUNG'], modalities: ['CT'], yearOfDiagnosis: { min: 2015 } });
console.log(`Saved cohort ${saved.id} at ${saved.createdAt}`);

const { data } = await graph.cohortReport(saved.id);
const report = data!.cohortReport!;
console.log(`Report generated at ${report.generatedAt}\n`);
console.log(table([
  ['site', 'dataset', 'subjects', 'studies', 'series'],
  ...report.sites.flatMap((site) => [
    [site.provider.id, '(all)', formatCount(site.cohort?.subjects), formatCount(site.cohort?.studies), formatCount(site.cohort?.series)],
    ...(site.cohort?.datasets ?? []).map((row) => ['', row.dataset.id, formatCount(row.subjects), formatCount(row.studies), formatCount(row.series)]),
  ]),
]));
const totals = sumCohortCounts(report.sites);
console.log(`\nTotal subjects: ${formatProtectedSum(totals.subjects)} over ${totals.sites} sites`);
const base = new URL('/', graphUrl);
console.log(`As CSV: ${new URL(`cohorts/${saved.id}/report.csv`, base)}`);
console.log(`As JSON: ${new URL(`cohorts/${saved.id}/report.json`, base)}`);
