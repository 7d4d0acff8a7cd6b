import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, type CircuitState } from './circuit-breaker.js';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

function call(breaker: ReturnType<typeof createCircuitBreaker>, outcome: 'success' | 'failure'): boolean {
  const permit = breaker.tryAcquire();
  if (!permit) return false;
  permit[outcome]();
  return true;
}

describe('circuit breaker', () => {
  it('stays closed while failures are under the ratio', () => {
    const breaker = createCircuitBreaker({ windowSize: 10, minimumCalls: 4, failureRatio: 0.5 });
    for (let i = 0; i < 20; i += 1) call(breaker, i % 3 === 1 ? 'failure' : 'success');
    expect(breaker.state).toBe('closed');
  });

  it('does not open before the minimum number of calls', () => {
    const breaker = createCircuitBreaker({ minimumCalls: 5 });
    for (let i = 0; i < 4; i += 1) call(breaker, 'failure');
    expect(breaker.state).toBe('closed');
    call(breaker, 'failure');
    expect(breaker.state).toBe('open');
  });

  it('fails fast while open, then lets one probe through after the cool-down', () => {
    const time = clock();
    const changes: Array<[CircuitState, CircuitState]> = [];
    const breaker = createCircuitBreaker({ minimumCalls: 2, openMs: 1_000, now: time.now, onStateChange: (s, p) => changes.push([s, p]) });
    call(breaker, 'failure');
    call(breaker, 'failure');
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.retryInMs()).toBe(1_000);
    time.advance(999);
    expect(breaker.tryAcquire()).toBeUndefined();
    time.advance(1);
    expect(breaker.state).toBe('half-open');
    const probe = breaker.tryAcquire();
    expect(probe).toBeDefined();
    // Only one probe at a time.
    expect(breaker.tryAcquire()).toBeUndefined();
    probe!.success();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([['open', 'closed'], ['half-open', 'open'], ['closed', 'half-open']]);
  });

  it('reopens when the probe fails, for a full cool-down', () => {
    const time = clock();
    const breaker = createCircuitBreaker({ minimumCalls: 1, openMs: 500, now: time.now });
    call(breaker, 'failure');
    time.advance(500);
    breaker.tryAcquire()!.failure();
    expect(breaker.state).toBe('open');
    time.advance(499);
    expect(breaker.tryAcquire()).toBeUndefined();
    time.advance(1);
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('a released probe frees its slot without deciding anything', () => {
    const time = clock();
    const breaker = createCircuitBreaker({ minimumCalls: 1, openMs: 10, now: time.now });
    call(breaker, 'failure');
    time.advance(10);
    breaker.tryAcquire()!.release();
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('forgets old failures as the window slides', () => {
    const breaker = createCircuitBreaker({ windowSize: 4, minimumCalls: 4, failureRatio: 0.75 });
    call(breaker, 'failure');
    call(breaker, 'failure');
    for (let i = 0; i < 10; i += 1) call(breaker, 'success');
    call(breaker, 'failure');
    call(breaker, 'failure');
    expect(breaker.state).toBe('closed');
    call(breaker, 'failure');
    expect(breaker.state).toBe('open');
  });

  it('settling a permit twice counts once', () => {
    const breaker = createCircuitBreaker({ minimumCalls: 2, failureRatio: 1 });
    const permit = breaker.tryAcquire()!;
    permit.failure();
    permit.failure();
    expect(breaker.state).toBe('closed');
  });
});
