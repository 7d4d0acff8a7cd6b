import { describe, expect, it } from 'vitest';
import { connectionFromList, decodeCursor, encodeCursor, toPageWindow } from './pagination.js';

describe('cursor pagination', () => {
  it('round-trips a cursor to its offset', () => {
    expect(decodeCursor(encodeCursor(41))).toBe(41);
  });

  it('refuses a malformed cursor with BAD_USER_INPUT naming "after"', () => {
    for (const bad of ['garbage!', Buffer.from('{"o":-1,"v":1}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(/"after"/);
    }
  });

  it('refuses first above the maximum page size, naming "first"', () => {
    expect(() => toPageWindow({ first: 101 })).toThrow(/"first"/);
    expect(() => toPageWindow({ first: -1 })).toThrow(/"first"/);
  });

  it('walks a list page by page, each item once, with totalCount', () => {
    const all = Array.from({ length: 23 }, (_, i) => i);
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: ReturnType<typeof connectionFromList<number>> = connectionFromList(all, { first: 5, after });
      expect(page.totalCount).toBe(23);
      seen.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
  });
});
