import { describe, expect, it } from 'vitest';
import { CancerImagingError } from './errors.js';
import { paginate, toPageSize, type Page } from './paginate.js';

/** A connection over 0..total-1 served `size` at a time, with offset cursors, counting fetches. */
function numbers(total: number, size: number) {
  const fetched: (string | null)[] = [];
  const fetchPage = async (after: string | null): Promise<Page<number>> => {
    fetched.push(after);
    const start = after === null ? 0 : Number(after) + 1;
    const nodes = Array.from({ length: Math.max(0, Math.min(size, total - start)) }, (_, i) => start + i);
    return { totalCount: total, nodes, hasNextPage: start + nodes.length < total, endCursor: nodes.length ? String(nodes.at(-1)) : null };
  };
  return { fetchPage, fetched };
}

describe('paginate', () => {
  it('yields every node once, in order, fetching each page after the cursor of the last', async () => {
    const { fetchPage, fetched } = numbers(7, 3);
    const seen: number[] = [];
    for await (const n of paginate(fetchPage)) seen.push(n);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(fetched).toEqual([null, '2', '5']);
  });

  it('yields pages with their totals, and handles an empty connection', async () => {
    const pages: Page<number>[] = [];
    for await (const page of paginate(numbers(4, 2).fetchPage).pages()) pages.push(page);
    expect(pages.map((p) => [p.totalCount, p.nodes.length, p.hasNextPage])).toEqual([[4, 2, true], [4, 2, false]]);
    expect(await paginate(numbers(0, 5).fetchPage).toArray()).toEqual([]);
  });

  it('is lazy: toArray({ max }) fetches no page beyond the one that fills it', async () => {
    const { fetchPage, fetched } = numbers(100, 10);
    const pager = paginate(fetchPage);
    expect(fetched).toEqual([]);
    expect(await pager.toArray({ max: 15 })).toHaveLength(15);
    expect(fetched).toEqual([null, '9']);
  });

  it('is re-iterable: each iteration starts again from the first page', async () => {
    const pager = paginate(numbers(5, 2).fetchPage);
    expect(await pager.toArray()).toEqual(await pager.toArray());
  });

  it('starts with an embedded first page when given one', async () => {
    const { fetchPage, fetched } = numbers(6, 3);
    const firstPage = await fetchPage(null);
    fetched.length = 0;
    expect(await paginate(fetchPage, { firstPage }).toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(fetched).toEqual(['2']);
  });

  it('refuses to loop on a server that says more follows but does not move its cursor', async () => {
    const stuck = async (): Promise<Page<number>> => ({ totalCount: 9, nodes: [1], hasNextPage: true, endCursor: 'same' });
    await expect(paginate(stuck).toArray()).rejects.toBeInstanceOf(CancerImagingError);
  });
});

describe('toPageSize', () => {
  it('defaults to 50 and accepts 1 to 100', () => {
    expect(toPageSize(undefined)).toBe(50);
    expect(toPageSize(1)).toBe(1);
    expect(toPageSize(100)).toBe(100);
  });

  it('refuses what the graph would refuse, before any request', () => {
    for (const bad of [0, 101, 2.5, Number.NaN]) {
      expect(() => toPageSize(bad)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
  });
});
