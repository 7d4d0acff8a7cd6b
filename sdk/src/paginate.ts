import { CancerImagingError } from './errors.js';

/** The largest page the graph serves; larger `first` values are refused, not clamped. */
export const MAX_PAGE_SIZE = 100;
/** Page size of the SDK's iterators unless a caller gives one. */
export const DEFAULT_PAGE_SIZE = 50;

/** One page of a connection as the SDK hands it out. */
export interface Page<TNode> {
  /** Items matching over all pages; undefined where the graph does not count them. */
  readonly totalCount: number | undefined;
  readonly nodes: readonly TNode[];
  readonly hasNextPage: boolean;
  /** Where this page ends: what the next page is fetched after. */
  readonly endCursor: string | null;
}

/**
 * Every node of a connection, fetched a page at a time as the iteration reaches it:
 * `for await (const dataset of client.datasets(filter))`. Lazy and re-iterable: each
 * iteration starts again from the first page.
 */
export interface Paginated<TNode> extends AsyncIterable<TNode> {
  /** The pages themselves, for totals and progress. */
  pages(): AsyncIterable<Page<TNode>>;
  /** The nodes in order, stopping (and fetching no further page) once `max` are in. */
  toArray(options?: { readonly max?: number }): Promise<TNode[]>;
}

/** Options of every method that pages. */
export interface PageOptions {
  /** Nodes per request, 1 to 100. @default 50 */
  readonly pageSize?: number;
  /** Cancels the iteration's requests. */
  readonly signal?: AbortSignal;
}

/** A page size as the graph accepts it, refused here before any request when it is not. */
export function toPageSize(pageSize: number | undefined, fallback = DEFAULT_PAGE_SIZE): number {
  const size = pageSize ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new CancerImagingError(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${size}.`, { code: 'BAD_USER_INPUT' });
  }
  return size;
}

export interface PaginateOptions<TNode> {
  /** A first page already fetched (embedded in a larger query): iteration starts with it. */
  readonly firstPage?: Page<TNode>;
}

/**
 * Pages through a connection with `fetchPage(after)`, null for the first page. Stops when
 * a page says there is no next one, and refuses to loop when a server hands back the
 * cursor it was given.
 */
export function paginate<TNode>(fetchPage: (after: string | null) => Promise<Page<TNode>>, options: PaginateOptions<TNode> = {}): Paginated<TNode> {
  async function* pages(): AsyncGenerator<Page<TNode>> {
    let page = options.firstPage ?? (await fetchPage(null));
    let after: string | null = null;
    for (;;) {
      yield page;
      if (!page.hasNextPage) return;
      if (page.endCursor === null || page.endCursor === after) {
        throw new CancerImagingError('The graph said another page follows but gave no new cursor to fetch it.', { code: 'INTERNAL' });
      }
      after = page.endCursor;
      page = await fetchPage(after);
    }
  }
  async function* nodes(): AsyncGenerator<TNode> {
    for await (const page of pages()) yield* page.nodes;
  }
  return {
    pages,
    [Symbol.asyncIterator]: nodes,
    async toArray({ max = Number.POSITIVE_INFINITY } = {}) {
      const all: TNode[] = [];
      if (max <= 0) return all;
      for await (const node of nodes()) {
        all.push(node);
        if (all.length >= max) break;
      }
      return all;
    },
  };
}
