import {
  ProviderBadResponseError, ProviderError, ProviderUnavailableError, toProviderError,
} from '@cancer-imaging/provider-kit';
import Database from 'better-sqlite3';
import { WorkerQueryError } from './read-pool.js';

// SQLite result codes that mean "cannot get at the file now" rather than "the file is wrong".
const UNAVAILABLE_CODES = /^SQLITE_(CANTOPEN|BUSY|LOCKED|IOERR|PERM|AUTH|NOMEM|READONLY)/;

/**
 * Maps what opening or querying an index threw to a ProviderError. Our own messages only:
 * SQLite's messages can name file paths, which the kit must not pass on.
 */
export function toIndexError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof Database.SqliteError) {
    return UNAVAILABLE_CODES.test(error.code)
      ? new ProviderUnavailableError('The site\'s index could not be opened or read.', { cause: error })
      : new ProviderBadResponseError('The site\'s index is not a readable series index.', { cause: error });
  }
  // The same failures, raised in a pooled reader and rebuilt on this side (read-pool.ts).
  if (error instanceof WorkerQueryError) {
    if (error.name === 'SqliteError' && error.code) {
      return UNAVAILABLE_CODES.test(error.code)
        ? new ProviderUnavailableError('The site\'s index could not be opened or read.', { cause: error })
        : new ProviderBadResponseError('The site\'s index is not a readable series index.', { cause: error });
    }
    if (error.name === 'TypeError' && /Cannot open database/.test(error.message)) {
      return new ProviderUnavailableError('The site\'s index could not be opened or read.', { cause: error });
    }
  }
  // better-sqlite3 throws a TypeError when the file's directory does not exist.
  if (error instanceof TypeError && /Cannot open database/.test(error.message)) {
    return new ProviderUnavailableError('The site\'s index could not be opened or read.', { cause: error });
  }
  return toProviderError(error);
}
