import { DEFAULT_FAKE_XNAT_USER, defaultFakeArchive, startFakeXnat } from '@cancer-imaging/subgraph-xnat/testing';

/**
 * Starts the FAKE XNAT server of `npm start -- --with-xnat` (XNAT itself cannot be installed
 * on these machines) on the port the demo registries name, serving the default synthetic
 * archive: 4 projects (3 catalogued), 62 subjects.
 */
export async function startDemoXnat(port: number) {
  const xnat = await startFakeXnat({ archive: defaultFakeArchive(), port, users: [DEFAULT_FAKE_XNAT_USER] });
  return { url: xnat.url, username: DEFAULT_FAKE_XNAT_USER.username, password: DEFAULT_FAKE_XNAT_USER.password, close: () => xnat.close() };
}
