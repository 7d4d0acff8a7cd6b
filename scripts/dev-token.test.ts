import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, loadGatewayConfig, loadTrustedIssuers } from '@cancer-imaging/gateway';
import { repoPath } from './generate/paths.js';

// The `npm run dev-token` command as a developer runs it: a child process, its exit code,
// its stdout (the token alone) and stderr (what it says).

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cig-dev-token-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function devToken(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) childEnv[key] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', repoPath('scripts/dev-token.ts'), ...args], {
      cwd: repoPath('.'),
      env: childEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run dev-token', () => {
  it('prints a token that a gateway in development accepts, with the roles, grants and subject asked for', async () => {
    const keysDir = join(dir, 'keys');
    const env = { CIG_GATEWAY_ENV: undefined, NODE_ENV: undefined, CIG_GATEWAY_DEV_KEYS_DIR: keysDir };
    const { code, stdout, stderr } = await devToken(['--role', 'researcher,committee', '--grant', 'demo-nl:custom:a,demo-de:custom:b', '--sub', 'alice', '--expires', '2h'], env);
    expect(stderr).toContain('Development token');
    expect(code).toBe(0);
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const issuers = await loadTrustedIssuers(loadGatewayConfig({ CIG_GATEWAY_ENV: 'development', CIG_GATEWAY_DEV_KEYS_DIR: keysDir }));
    const caller = await createTokenVerifier({ issuers, clockSkewSeconds: 0 })(token);
    expect(caller).toMatchObject({ sub: 'alice', roles: ['researcher', 'committee'] });
    expect(caller.grants.map((grant) => grant.datasetId)).toEqual(['demo-nl:custom:a', 'demo-de:custom:b']);
    const expiresIn = Date.parse(caller.grants[0]!.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(7_000_000);
    expect(expiresIn).toBeLessThanOrEqual(7_200_000);
  }, 60_000);

  it.each([
    ['CIG_GATEWAY_ENV=production', { CIG_GATEWAY_ENV: 'production', NODE_ENV: undefined }],
    ['NODE_ENV=production', { CIG_GATEWAY_ENV: 'development', NODE_ENV: 'production' }],
  ])('refuses with exit code 1 and a clear message under %s', async (_name, env) => {
    const { code, stdout, stderr } = await devToken(['--role', 'researcher'], { ...env, CIG_GATEWAY_DEV_KEYS_DIR: join(dir, 'never') });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/dev-token: refused: development tokens are for a gateway in development only/);
  }, 60_000);

  it('refuses an unknown role and a bad duration', async () => {
    const env = { CIG_GATEWAY_ENV: 'development', NODE_ENV: undefined, CIG_GATEWAY_DEV_KEYS_DIR: join(dir, 'keys') };
    const role = await devToken(['--role', 'admin'], env);
    expect(role.code).toBe(1);
    expect(role.stderr).toMatch(/unknown role admin; roles are researcher, committee, provider-admin/);
    const duration = await devToken(['--expires', 'forever'], env);
    expect(duration.code).toBe(1);
    expect(duration.stderr).toMatch(/--expires forever is not a duration/);
  }, 60_000);
});
