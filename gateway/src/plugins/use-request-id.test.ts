import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRequestContext, resolveRequestId } from './use-request-id.js';

describe('resolveRequestId', () => {
  it("keeps a caller's well-formed id", () => {
    expect(resolveRequestId('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    expect(resolveRequestId('  padded-id  ')).toBe('padded-id');
  });

  it('replaces a missing, empty, oversized or log-forging id with a new one', () => {
    const generate = () => 'generated';
    for (const candidate of [undefined, null, '', 'two words', 'line\nbreak', '"quoted"', 'x'.repeat(129), '-leading-dash']) {
      expect(resolveRequestId(candidate, { generate })).toBe('generated');
    }
    expect(resolveRequestId(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('createRequestContext', () => {
  it('returns a child logger that stamps the id on every line', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const context = createRequestContext('rid-7', logger);
    context.logger.info('hello');
    expect(context.requestId).toBe('rid-7');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ requestId: 'rid-7', msg: 'hello' });
  });
});
