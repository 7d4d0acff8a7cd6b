/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query SiteOverview($id: ID!) {\n  provider(id: $id) {\n    id\n    name\n    country\n    datasets {\n      id\n      title\n      cancerTypes\n      modalities\n      subjectCount\n      accessRights\n    }\n  }\n}": typeof types.SiteOverviewDocument,
    "\n  query LungCohort($siteIds: [ID!]) {\n    providers {\n      id\n      cohort(criteria: { cancerTypes: [LUNG], providerIds: $siteIds }) {\n        status\n        subjects {\n          value\n          precision\n          adjustedTo\n        }\n      }\n    }\n  }\n": typeof types.LungCohortDocument,
};
const documents: Documents = {
    "query SiteOverview($id: ID!) {\n  provider(id: $id) {\n    id\n    name\n    country\n    datasets {\n      id\n      title\n      cancerTypes\n      modalities\n      subjectCount\n      accessRights\n    }\n  }\n}": types.SiteOverviewDocument,
    "\n  query LungCohort($siteIds: [ID!]) {\n    providers {\n      id\n      cohort(criteria: { cancerTypes: [LUNG], providerIds: $siteIds }) {\n        status\n        subjects {\n          value\n          precision\n          adjustedTo\n        }\n      }\n    }\n  }\n": types.LungCohortDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SiteOverview($id: ID!) {\n  provider(id: $id) {\n    id\n    name\n    country\n    datasets {\n      id\n      title\n      cancerTypes\n      modalities\n      subjectCount\n      accessRights\n    }\n  }\n}"): typeof import('./graphql.js').SiteOverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LungCohort($siteIds: [ID!]) {\n    providers {\n      id\n      cohort(criteria: { cancerTypes: [LUNG], providerIds: $siteIds }) {\n        status\n        subjects {\n          value\n          precision\n          adjustedTo\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').LungCohortDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
