import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort, missingTestTool } from '@cancer-imaging/provider-kit';

/**
 * A real Redis for tests. With CIG_TEST_REDIS_URL (the server .ci/run starts) it is used
 * as it is and never stopped or flushed: give each test its own key namespace. Otherwise
 * a private `redis-server` (Debian's package: apt-get install redis-server) is started on a
 * free loopback port, with no persistence, and stopped by PID.
 */
export interface LocalRedis {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** Stops the private server (no-op for CIG_TEST_REDIS_URL). */
  stop(): Promise<void>;
}

const REDIS_BINARY = process.env['CIG_REDIS_SERVER_BINARY'] ?? 'redis-server';
const START_TIMEOUT_MS = 10_000;

function redisInstalled(): boolean {
  return spawnSync(REDIS_BINARY, ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * Whether tests that need a real Redis can run. Without one they are skipped with a loud
 * message, except under CI=true where it is a failure: CI installs it.
 */
export function redisTestsEnabled(): boolean {
  if (process.env['CIG_TEST_REDIS_URL'] || redisInstalled()) return true;
  return missingTestTool('redis-server is not installed (apt-get install redis-server, or set CIG_TEST_REDIS_URL): the Redis tests cannot run.');
}


/** One PING over a raw socket: answers +PONG once the server accepts commands. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.write('PING\r\n');
  });
}

export async function startLocalRedis(): Promise<LocalRedis> {
  const shared = process.env['CIG_TEST_REDIS_URL'];
  if (shared) return { url: shared, stop: async () => undefined };
  if (!redisInstalled()) throw new Error(`${REDIS_BINARY} is not installed; apt-get install redis-server`);

  const port = await freePort();
  const child = spawn(REDIS_BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited during start-up (${child.exitCode}):\n${output}`);
    if (await ping(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer PING within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
