import { formatCount, formatProtectedSum, sumCohortCounts, type CohortCriteria, type CohortDimension } from '@cancer-imaging/sdk';
import { connect, table } from './env.js';

// Search: a cohort's protected counts at every site, their totals (which stay protected: a
// suppressed part makes a total a lower bound, shown as ≥), and the subjects by age band.
// Run: node --conditions=development --import tsx examples/sdk/cohort-by-site.ts ['<criteria as JSON>' [<dimension>]]
// e.g. ... cohort-by-site.ts '{"cancerTypes":["BREAST"],"modalities":["MG","MR"]}' MODALITY

const criteria: CohortCriteria = process.argv[2]
  ? (JSON.parse(process.argv[2]) as CohortCriteria)
  : { cancerTypes: ['PROSTATE'], modalities: ['MR'], ageAtDiagnosis: { min: 80 } };
const dimension = (process.argv[3] ?? 'AGE_BAND') as CohortDimension;
const graph = connect();

const { data, errors } = await graph.cohortBySite(criteria);
for (const error of errors) console.error(`warning: ${error.code}${error.site ? ` at ${error.site}` : ''}: ${error.message}`);
const sites = data!.providers;
const totals = sumCohortCounts(sites);
console.log(`Cohort: ${JSON.stringify(criteria)}\n`);
console.log(table([
  ['site', 'status', 'subjects', 'studies', 'series'],
  ...sites.map((site) => [
    site.id, site.cohort?.status ?? 'UNREACHABLE',
    formatCount(site.cohort?.subjects), formatCount(site.cohort?.studies), formatCount(site.cohort?.series),
  ]),
  ['total', '', formatProtectedSum(totals.subjects), formatProtectedSum(totals.studies), formatProtectedSum(totals.series)],
]));
if (totals.subjects.isLowerBound) {
  console.log(
    `\nThe subject total is a lower bound: ${totals.subjects.suppressedParts} site(s) suppressed their count below their`
      + ` threshold and ${totals.subjects.unavailableParts} did not answer. Nothing is estimated for them.`,
  );
}

const breakdown = await graph.cohortBreakdown(criteria, dimension);
const keys = [...new Set(breakdown.data!.providers.flatMap((site) => site.cohort?.breakdown.map((bucket) => bucket.key) ?? []))].sort();
console.log(`\nSubjects by ${dimension}:`);
console.log(table([
  ['site', ...keys],
  ...breakdown.data!.providers.map((site) => [
    site.id,
    ...keys.map((key) => {
      const bucket = site.cohort?.breakdown.find((b) => b.key === key);
      return bucket ? formatCount(bucket.subjects) : '-';
    }),
  ]),
]));
console.log('(-: no bucket: none, or fewer subjects than the site\'s threshold)');
