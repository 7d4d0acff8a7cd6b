import { readFileSync } from 'node:fs';
import type { CallContext, DatasetMetadata, SiteConfig } from '@cancer-imaging/provider-kit';
import { pino, type Logger } from 'pino';

/** A recorded-shape XNAT 1.8 response from test/adapter/fixtures (see its README). */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

/** A pino logger at trace level writing into `lines`, to prove what is (not) logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (chunk: string) => { lines.push(chunk); } });
  return { logger, lines };
}

export const silentLogger: Logger = pino({ level: 'silent' });

export function callContext(signal: AbortSignal = new AbortController().signal, logger: Logger = silentLogger): CallContext {
  return { signal, logger };
}

export const USER_VAR = 'CIG_XNAT_TEST_USER';
export const PASSWORD_VAR = 'CIG_XNAT_TEST_PASSWORD';
export const ALIAS_VAR = 'CIG_XNAT_TEST_ALIAS';
export const SECRET_VAR = 'CIG_XNAT_TEST_SECRET';

export const USER = 'cig-reader';
export const PASSWORD = 'xN4t-s3cret-Pa55!';
export const ALIAS = '0b6f1c2e-4d8a-4f7b-9c3e-5a1d2b7e8f90';
export const SECRET = 'vR8kQ2mZpX4tL7nB1cW9yH3sJ6dF0gA5eK8uN2oP4qS7rT1vU3wX6zY9aB2cD5eF';

export const ENV = { [USER_VAR]: USER, [PASSWORD_VAR]: PASSWORD, [ALIAS_VAR]: ALIAS, [SECRET_VAR]: SECRET };

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A registry site of kind xnat whose credentials are named by USER_VAR / PASSWORD_VAR. */
export function xnatSite(overrides: Partial<SiteConfig> & { baseUrl: string }): SiteConfig {
  return {
    id: 'xnat-a',
    name: 'XNAT A',
    country: 'NL',
    kind: 'xnat',
    credentials: { username: USER_VAR, password: PASSWORD_VAR },
    privacy: { minCount: 10, roundTo: 10 },
    deadlineMs: 5_000,
    options: {},
    ...overrides,
  };
}

export function curatedDataset(site: string, localId: string, cancerTypes: string[]): DatasetMetadata {
  return {
    site,
    localId,
    title: `Dataset ${localId}`,
    description: '',
    cancerTypes,
    modalities: [],
    bodyParts: [],
    manufacturers: [],
    sex: [],
    accessRights: 'RESTRICTED',
    accessModes: ['DOWNLOAD'],
    publisher: { name: 'Test publisher' },
    keywords: [],
  };
}

/** Everything an error carries, cause chain included, as text. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.name, current.message, current.stack ?? '');
    current = current.cause;
  }
  return parts.join('\n');
}
