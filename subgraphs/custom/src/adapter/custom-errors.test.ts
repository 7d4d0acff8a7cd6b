import { ProviderBadResponseError, ProviderUnavailableError } from '@cancer-imaging/provider-kit';
import { describe, expect, it } from 'vitest';
import { toIndexError } from './custom-errors.js';
import { WorkerQueryError } from './read-pool.js';

describe('toIndexError for failures raised on a reader thread', () => {
  it('maps SQLite codes as it does inline, and keeps the path out of the message', () => {
    const busy = toIndexError(new WorkerQueryError('database is locked: /srv/index.sqlite', 'SqliteError', 'SQLITE_BUSY'));
    expect(busy).toBeInstanceOf(ProviderUnavailableError);
    expect(busy.message).not.toContain('/srv');
    expect(toIndexError(new WorkerQueryError('file is not a database', 'SqliteError', 'SQLITE_NOTADB'))).toBeInstanceOf(ProviderBadResponseError);
    expect(toIndexError(new WorkerQueryError('Cannot open database because the directory does not exist', 'TypeError'))).toBeInstanceOf(ProviderUnavailableError);
  });
});
