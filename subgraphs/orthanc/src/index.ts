export { typeDefs } from './schema.js';
export { createOrthancSubgraph, ORTHANC_KIND, type OrthancSubgraphOptions } from './server.js';
export { DEFAULT_ORTHANC_REGISTRY } from './config.js';
export * from './adapter/index.js';
export { startLocalOrthanc, uploadDicomFiles, orthancBinary, orthancVersion, type LocalOrthanc, type LocalOrthancOptions } from './local/orthanc-process.js';
export { orthancTestsEnabled } from './local/require-orthanc.js';
export {
  buildSampleDicom, loadSampleDicomManifest, sampleDicomAvailable, filesOfSite, siteStatistics, forbiddenIdentifierValues,
  expectedCohort, type SampleDicomManifest, type SampleDicomFile,
} from './local/sample-dicom.js';
