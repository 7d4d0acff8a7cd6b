// One implementation for the repository: the kit's.
export { freePort } from '@cancer-imaging/provider-kit';
