import { CancerImagingError } from '@cancer-imaging/sdk';
import { connect, requireToken, table } from './env.js';

// The access workflow end to end, with two tokens (`npm run dev-token` makes them for a
// graph in development): a researcher asks for a dataset, the data-access committee reviews
// and approves, the researcher browses the dataset's series with their retrieve links, and
// the committee reads the audit log of that browsing.
//   export CIG_RESEARCHER_TOKEN=$(npm run -s dev-token -- --role researcher --sub rita)
//   export CIG_COMMITTEE_TOKEN=$(npm run -s dev-token -- --role committee --sub dac)
// Run: node --conditions=development --import tsx examples/sdk/access-and-browse.ts

const researcher = connect(requireToken('CIG_RESEARCHER_TOKEN', 'researcher'));
const committee = connect(requireToken('CIG_COMMITTEE_TOKEN', 'committee'));

// A restricted lung dataset (or the one CIG_DATASET_ID names).
const datasetId = process.env['CIG_DATASET_ID']
  ?? (await researcher.datasets({ cancerTypes: ['LUNG'], accessRights: ['RESTRICTED'] }).toArray({ max: 1 }))[0]!.id;
console.log(`Dataset: ${datasetId}`);

// Before a grant, record-level data is refused with a typed error.
try {
  await researcher.subjects(datasetId).toArray({ max: 1 });
  console.log('Already granted: browsing straight away.');
} catch (error) {
  if (!(error instanceof CancerImagingError) || error.code !== 'FORBIDDEN') throw error;
  console.log(`Before approval, browsing is refused: ${error.code}`);
}

const cohort = await researcher.saveCohort({ datasetIds: [datasetId] });
const request = await researcher.requestAccess({
  datasetIds: [datasetId],
  cohortId: cohort.id,
  purpose: 'Validating a lung nodule detector on an external, multi-site cohort.',
});
console.log(`Researcher ${request.requester} requested access: ${request.id} (${request.state})`);

// The committee finds the request among those waiting, reviews and approves it for 30 days.
for await (const waiting of committee.accessRequests({ states: ['SUBMITTED'] })) {
  if (waiting.id !== request.id) continue;
  await committee.startAccessReview(waiting.id);
  const approved = await committee.approveAccessRequest(waiting.id, { expiresAt: new Date(Date.now() + 30 * 86_400_000), note: 'Approved for validation.' });
  console.log(`Committee: ${approved.history.map((event) => `${event.state} by ${event.actor}`).join(' → ')}`);
}

const grant = (await researcher.myGrants()).find((g) => g.datasetId === datasetId && g.active);
if (!grant) throw new Error('The approval created no active grant.');
console.log(`Grant ${grant.id} until ${grant.expiresAt}\n`);

// Browse: every series of the dataset with its study and subject, a page of subjects at a time.
const rows: string[][] = [];
let seriesCount = 0;
const subjects = new Set<string>();
for await (const { subject, study, series } of researcher.datasetSeries(datasetId, { pageSize: 100 })) {
  seriesCount += 1;
  subjects.add(subject.id);
  if (rows.length < 10) rows.push([subject.id.split(':').at(-1)!.slice(0, 12), study.studyInstanceUid, series.seriesInstanceUid, series.modality, series.retrieveUrl ?? '(no retrieve link at this site)']);
}
console.log(table([['subject', 'study', 'series', 'modality', 'retrieve'], ...rows]));
console.log(`Browsed ${seriesCount} series of ${subjects.size} subjects.\n`);

// The committee sees who read what.
const actions = new Map<string, number>();
for await (const entry of committee.auditLog({ datasetId })) {
  const key = `${entry.actor} ${entry.action}`;
  actions.set(key, (actions.get(key) ?? 0) + 1);
}
console.log('Audit log of the dataset:');
console.log(table([['actor action', 'entries'], ...[...actions].map(([key, count]) => [key, String(count)])]));
