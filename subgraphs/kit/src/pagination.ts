import { badUserInput } from './errors.js';

/** Largest page a caller may ask for; larger `first` values are refused, not clamped. */
export const MAX_PAGE_SIZE = 100;

/**
 * Cursors are opaque to clients: base64url of a small versioned JSON holding the offset
 * into a stable order. Positions only, never a native id (a cursor must not leak a
 * PatientID), and validated on the way in.
 */
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ v: 1, o: offset }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, argument = 'after'): number {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badUserInput(argument, 'not a cursor returned by this API.');
  }
  const offset = (parsed as { v?: unknown; o?: unknown } | null)?.o;
  if ((parsed as { v?: unknown }).v !== 1 || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw badUserInput(argument, 'not a cursor returned by this API.');
  }
  return offset;
}

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface PageWindow {
  /** Index of the first item of the page in the stable order. */
  readonly offset: number;
  readonly limit: number;
}

/** Validates `first`/`after` into an offset window; `first` must be 0..MAX_PAGE_SIZE. */
export function toPageWindow(args: PageArgs, defaultSize = 20, maxSize = MAX_PAGE_SIZE): PageWindow {
  const first = args.first ?? defaultSize;
  if (!Number.isInteger(first) || first < 0 || first > maxSize) {
    throw badUserInput('first', `must be between 0 and ${maxSize}; got ${first}.`);
  }
  const offset = args.after == null ? 0 : decodeCursor(args.after) + 1;
  return { offset, limit: first };
}

export interface Connection<T> {
  readonly totalCount: number;
  readonly nodes: readonly T[];
  readonly edges: readonly { cursor: string; node: T }[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Builds a connection from one page of items taken at `window.offset` of `totalCount`. */
export function toConnection<T>(items: readonly T[], window: PageWindow, totalCount: number): Connection<T> {
  const edges = items.map((node, index) => ({ cursor: encodeCursor(window.offset + index), node }));
  return {
    totalCount,
    nodes: items,
    edges,
    pageInfo: {
      hasNextPage: window.offset + items.length < totalCount,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** Pages an in-memory list (e.g. a subject's studies, already loaded by a DataLoader). */
export function connectionFromList<T>(all: readonly T[], args: PageArgs, defaultSize = 20): Connection<T> {
  const window = toPageWindow(args, defaultSize);
  return toConnection(all.slice(window.offset, window.offset + window.limit), window, all.length);
}
