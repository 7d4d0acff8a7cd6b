import { formatCount } from '@cancer-imaging/sdk';
import { SiteOverviewDocument } from './__generated__/graphql.js';
import { graphql } from './__generated__/gql.js';
import { connect, table } from './env.js';

// Documents of your own, typed by the codegen client preset (codegen.ts beside this file,
// docs/sdk.md): one from a .graphql file (documents/site-overview.graphql), one written
// inline with graphql(). The SDK runs both with full types for variables and result.
// Regenerate after editing either: npx graphql-codegen --config examples/sdk/codegen.ts
// Run: node --conditions=development --import tsx examples/sdk/own-documents.ts [<site id>]

const LungCohortDocument = graphql(`
  query LungCohort($siteIds: [ID!]) {
    providers {
      id
      cohort(criteria: { cancerTypes: [LUNG], providerIds: $siteIds }) {
        status
        subjects {
          value
          precision
          adjustedTo
        }
      }
    }
  }
`);

const graph = connect();
const siteId = process.argv[2] ?? 'demo-nl';

// request(): the data, or the first error thrown as a CancerImagingError.
const { provider } = await graph.request(SiteOverviewDocument, { id: siteId });
if (!provider) throw new Error(`No site has the id ${siteId}.`);
console.log(`${provider.name} (${provider.country}): ${provider.datasets.length} datasets`);
console.log(table([
  ['dataset', 'modalities', 'subjects', 'access'],
  ...provider.datasets.map((d) => [d.id, d.modalities.join(' '), String(d.subjectCount ?? '<suppressed>'), d.accessRights]),
]));

// execute(): partial data and errors side by side, as a dashboard wants them.
const { data, errors } = await graph.execute(LungCohortDocument, { siteIds: [siteId] });
if (errors.length > 0) console.error(errors.map((error) => `${error.code}: ${error.message}`).join('\n'));
const site = data?.providers.find((p) => p.id === siteId);
console.log(`\nLung cancer subjects at ${siteId}: ${formatCount(site?.cohort?.subjects)}`);
