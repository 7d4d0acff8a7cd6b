import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@cancer-imaging/provider-kit';

/** Where Debian's packages put the binary and the DICOMweb plugin. */
const ORTHANC_BINARY = process.env.CIG_ORTHANC_BINARY ?? '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN_CANDIDATES = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so'];

export interface LocalOrthancOptions {
  /** Shown in /system; also names the temp directory. */
  readonly name?: string;
  /** Load the DICOMweb plugin when installed (QIDO-RS, WADO-RS). Default true. */
  readonly dicomWeb?: boolean;
  /** Loopback port; default: a free one. */
  readonly port?: number;
  /** Login; default: a random user and password. */
  readonly username?: string;
  readonly password?: string;
  /** Keep storage in this directory instead of a fresh temp one (it is not removed). */
  readonly storageDir?: string;
}

export interface LocalOrthanc {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly username: string;
  readonly password: string;
  readonly dicomWeb: boolean;
  /** Stops the process by PID (SIGTERM, then SIGKILL) and removes its temp storage. */
  stop(): Promise<void>;
  /** Sends SIGSTOP: the process keeps its port but answers nothing (a hung site). */
  freeze(): void;
  /** Sends SIGCONT after freeze(). */
  thaw(): void;
}

export function orthancBinary(): string | undefined {
  return existsSync(ORTHANC_BINARY) ? ORTHANC_BINARY : undefined;
}

export function dicomWebPlugin(): string | undefined {
  return DICOMWEB_PLUGIN_CANDIDATES.find((candidate) => existsSync(candidate));
}

/** The Orthanc version string of the installed binary, e.g. "1.10.1". */
export function orthancVersion(): string | undefined {
  const binary = orthancBinary();
  if (!binary) return undefined;
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /Orthanc\s+([\d.]+)/.exec(result.stdout)?.[1];
}


async function waitForSystem(url: string, auth: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited during start-up (${child.exitCode}):\n${log()}`);
    try {
      const response = await fetch(`${url}/system`, { headers: { authorization: auth }, signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Orthanc did not answer within 20 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts a real Orthanc (Debian's package) in the foreground on a loopback port with
 * temporary storage, authentication on, remote access and the DICOM server off. For tests
 * and the local demo; it never listens beyond 127.0.0.1.
 */
export async function startLocalOrthanc(options: LocalOrthancOptions = {}): Promise<LocalOrthanc> {
  const binary = orthancBinary();
  if (!binary) throw new Error(`Orthanc is not installed (${ORTHANC_BINARY}); apt-get install orthanc orthanc-dicomweb`);
  const name = options.name ?? 'cig-orthanc';
  const workDir = await mkdtemp(path.join(tmpdir(), `${name.replace(/[^a-z0-9-]/gi, '-')}-`));
  const storage = options.storageDir ?? path.join(workDir, 'storage');
  const port = options.port ?? (await freePort());
  const username = options.username ?? `cig-${randomBytes(4).toString('hex')}`;
  const password = options.password ?? randomBytes(12).toString('base64url');
  const plugin = options.dicomWeb === false ? undefined : dicomWebPlugin();
  const config = {
    Name: name,
    HttpPort: port,
    HttpServerEnabled: true,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [username]: password },
    StorageDirectory: storage,
    IndexDirectory: storage,
    HttpDescribeErrors: true,
    Plugins: plugin ? [plugin] : [],
    // The DICOMweb plugin builds absolute URLs from Host: it must carry the port.
    DicomWeb: { Enable: true, Root: '/dicom-web/', Host: `127.0.0.1:${port}`, Ssl: false },
    StableAge: 1,
  };
  const configFile = path.join(workDir, 'orthanc.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const child = spawn(binary, [configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString('utf8')).slice(-8_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGCONT');
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await waitForSystem(url, `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url, port, pid: child.pid!, username, password, dicomWeb: plugin !== undefined, stop,
    freeze: () => process.kill(child.pid!, 'SIGSTOP'),
    thaw: () => process.kill(child.pid!, 'SIGCONT'),
  };
}

/** Uploads DICOM files (POST /instances); returns the Orthanc ids of the new instances. */
export async function uploadDicomFiles(orthanc: Pick<LocalOrthanc, 'url' | 'username' | 'password'>, files: readonly string[]): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const auth = `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}`;
  const ids: string[] = [];
  for (const file of files) {
    const response = await fetch(`${orthanc.url}/instances`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/dicom' }, body: await readFile(file) });
    if (!response.ok) throw new Error(`Orthanc refused ${path.basename(file)}: HTTP ${response.status}`);
    ids.push(((await response.json()) as { ID: string }).ID);
  }
  return ids;
}
