import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildSampleDicom, orthancBinary, sampleDicomAvailable, startLocalOrthanc, uploadDicomFiles, type LocalOrthanc,
} from '@cancer-imaging/subgraph-orthanc';
import { repoPath } from '../generate/paths.js';

/** The demo Orthanc's login; it only ever listens on loopback. */
export const DEMO_ORTHANC_USER = 'cig-demo';
export const DEMO_ORTHANC_PASSWORD = 'cig-demo-local-only';

/**
 * Starts the local Orthanc of `npm start -- --with-orthanc` on the port the demo registry
 * names, with storage kept under .cache/demo-orthanc, and loads the sample studies on
 * first start. Needs Debian's orthanc (and python3-pydicom for the first load).
 */
export async function startDemoOrthanc(port: number, log: (line: string) => void): Promise<LocalOrthanc> {
  if (!orthancBinary()) throw new Error('Orthanc is not installed: apt-get install orthanc orthanc-dicomweb (or start without --with-orthanc).');
  const orthanc = await startLocalOrthanc({
    name: 'cig-demo-orthanc', port, username: DEMO_ORTHANC_USER, password: DEMO_ORTHANC_PASSWORD,
    storageDir: repoPath('.cache/demo-orthanc/storage'),
  });
  try {
    const auth = `Basic ${Buffer.from(`${DEMO_ORTHANC_USER}:${DEMO_ORTHANC_PASSWORD}`).toString('base64')}`;
    const statistics = (await (await fetch(`${orthanc.url}/statistics`, { headers: { authorization: auth } })).json()) as { CountInstances: number };
    if (statistics.CountInstances === 0) {
      if (!sampleDicomAvailable()) throw new Error('The sample studies are made with pydicom: apt-get install python3-pydicom.');
      const dir = await mkdtemp(path.join(tmpdir(), 'cig-demo-dicom-'));
      try {
        const manifest = await buildSampleDicom({ outDir: dir });
        await uploadDicomFiles(orthanc, manifest.files.map((file) => file.path));
        log(`Loaded ${manifest.files.length} sample DICOM instances into the demo Orthanc.`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    return orthanc;
  } catch (error) {
    await orthanc.stop();
    throw error;
  }
}
