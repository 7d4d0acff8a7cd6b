import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SDK_PERSISTED_OPERATIONS } from '../__generated__/persisted-operations.js';
import { COHORT_REPORT_OPERATION } from '../cohort-report/report-operation.js';
import { EUCAIM_SEARCH_OPERATION } from '../eucaim/eucaim-operation.js';

/**
 * The operations the gateway knows by hash: SHA-256 (lower-case hex) of the exact text →
 * the text. What APQ answers a hash-only request from, what safelist mode admits, and
 * what is planned at start.
 */
export type PersistedOperations = ReadonlyMap<string, string>;

/** A manifest: `{ "<sha256 hex>": "<document text>" }` (the format of GraphQL Codegen's persisted-documents.json). */
export type PersistedOperationManifest = Readonly<Record<string, string>>;

/** The hash APQ and the manifests key a document by: SHA-256 of its UTF-8 text, lower-case hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The documents the gateway itself runs through Apollo as the caller's operations
 * (execute-as-caller.ts): EUCAIM search and cohort reports. They are persisted like the
 * SDK's, so those routes work in safelist mode and are planned at start.
 */
export const GATEWAY_OPERATIONS: readonly string[] = [EUCAIM_SEARCH_OPERATION, COHORT_REPORT_OPERATION];

/**
 * One set of persisted operations from manifests and plain documents. A manifest entry
 * whose hash is not its text's is refused: APQ checks hash against text, so such an entry
 * could never be matched, and in safelist mode it would hide a typo.
 */
export function buildPersistedOperations(manifests: readonly { readonly origin: string; readonly operations: PersistedOperationManifest }[], documents: readonly string[] = []): PersistedOperations {
  const operations = new Map<string, string>();
  for (const { origin, operations: manifest } of manifests) {
    for (const [hash, text] of Object.entries(manifest)) {
      if (sha256Hex(text) !== hash) throw new Error(`${origin}: the entry ${hash} is not the SHA-256 of its text`);
      operations.set(hash, text);
    }
  }
  for (const text of documents) operations.set(sha256Hex(text), text);
  return operations;
}

const manifestSchema = z.record(z.string(), z.string().min(1, 'must be a document text'));
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Reads the operator's extra manifests (CIG_GATEWAY_PERSISTED_OPERATIONS_FILES). Throws
 * one Error naming the file and what is wrong, so the gateway does not start with a
 * safelist other than the one meant.
 */
export async function loadPersistedOperationFiles(paths: readonly string[]): Promise<{ origin: string; operations: PersistedOperationManifest }[]> {
  const manifests: { origin: string; operations: PersistedOperationManifest }[] = [];
  for (const path of paths) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path}: cannot read the persisted-operation manifest: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${path}: not a persisted-operation manifest ({ "<sha256>": "<text>" }): ${[...(issue?.path ?? []), issue?.message].join(' ')}`);
    }
    const badKey = Object.keys(parsed.data).find((key) => !SHA256_HEX.test(key));
    if (badKey !== undefined) throw new Error(`${path}: the key ${badKey} is not a lower-case hex SHA-256`);
    manifests.push({ origin: path, operations: parsed.data });
  }
  return manifests;
}

/** The SDK's manifest, the gateway's own documents and the operator's manifests, read from `files`. */
export async function loadPersistedOperations(files: readonly string[]): Promise<PersistedOperations> {
  return buildPersistedOperations(
    [{ origin: 'the SDK manifest (gateway/src/__generated__/persisted-operations.ts)', operations: SDK_PERSISTED_OPERATIONS }, ...(await loadPersistedOperationFiles(files))],
    GATEWAY_OPERATIONS,
  );
}
