import { describe, expect, it } from 'vitest';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js';
import { CircuitOpenError, createSubgraphTransport, type SubgraphExchange, type SubgraphTransport, type SubgraphTransportOptions } from './subgraph-transport.js';
import { closedAfterEachTest } from './testing/closed-after-each.js';
import { answerJson, OK_ANSWER, startFakeSubgraph, type FakeSubgraph } from './testing/fake-subgraph.js';

const closeAfterTest = closedAfterEachTest();

async function fake(...args: Parameters<typeof startFakeSubgraph>): Promise<FakeSubgraph> {
  return closeAfterTest(await startFakeSubgraph(...args));
}

function transport(options: SubgraphTransportOptions = {}): SubgraphTransport {
  return closeAfterTest(createSubgraphTransport(options));
}

function metrics(): GatewayMetrics {
  return closeAfterTest(createGatewayMetrics());
}

/** The value of one sample line of the exposition; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function exchange(url: string, overrides: Partial<SubgraphExchange> = {}): SubgraphExchange {
  return { url, headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}', timeoutMs: 5_000, retryable: true, ...overrides };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('subgraph transport: connections', () => {
  it('keeps the connection alive: sequential calls share one socket', async () => {
    const subgraph = await fake();
    const send = transport();
    for (let call = 0; call < 10; call += 1) {
      const answer = await send.send('catalogue', exchange(subgraph.url));
      expect(JSON.parse(answer.body)).toEqual(OK_ANSWER);
      // undici frees the socket on the turn after the body ends; a call sent in the same
      // turn would find it busy and open a second one. Requests to the gateway arrive on
      // later turns, as here.
      await new Promise(setImmediate);
    }
    expect(subgraph.received).toHaveLength(10);
    expect(subgraph.connections).toBe(1);
  });

  it('opens at most `connections` sockets to a subgraph, however many calls run at once', async () => {
    const subgraph = await fake((_request, res) => {
      setTimeout(() => answerJson(res, OK_ANSWER), 30);
    });
    const send = transport({ connections: 3 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => send.send('catalogue', exchange(subgraph.url))));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(subgraph.received).toHaveLength(30);
    expect(subgraph.connections).toBeLessThanOrEqual(3);
    expect(subgraph.maxOpenConnections).toBeLessThanOrEqual(3);
  });

  it('refuses an answer longer than maxResponseBytes, as a failure that is not about availability', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, { data: { text: 'x'.repeat(5_000) } }));
    const send = transport({ maxResponseBytes: 1_000, retries: 3 });
    const failure = await send.send('catalogue', exchange(subgraph.url)).catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe('UND_ERR_RES_EXCEEDED_MAX_SIZE');
    expect(subgraph.received).toHaveLength(1);
  });

  it('fails calls made after close() as unreachable, without opening a new pool', async () => {
    const subgraph = await fake();
    const send = createSubgraphTransport();
    await send.send('catalogue', exchange(subgraph.url));
    await send.close();
    const failure = await send.send('catalogue', exchange(subgraph.url)).catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe('UND_ERR_CLOSED');
    expect(subgraph.received).toHaveLength(1);
  });
});

describe('subgraph transport: retries', () => {
  it('tries a retryable exchange again after a reset connection or a 503, once by default', async () => {
    let calls = 0;
    const subgraph = await fake((_request, res) => {
      calls += 1;
      if (calls === 1) res.socket?.destroy();
      else if (calls === 2) answerJson(res, { errors: [{ message: 'down' }] }, 503);
      else answerJson(res, OK_ANSWER);
    });
    const gauge = metrics();
    const send = transport({ metrics: gauge });
    // First call: reset, then retried once into the 503, which is its answer (retries spent).
    const first = await send.send('catalogue', exchange(subgraph.url));
    expect(first.status).toBe(503);
    expect(subgraph.received).toHaveLength(2);
    const second = await send.send('catalogue', exchange(subgraph.url));
    expect(second.status).toBe(200);
    expect(subgraph.received).toHaveLength(3);
    expect(sample(gauge.render(), 'cig_gateway_subgraph_retries_total{subgraph="catalogue"}')).toBe(1);
  });

  it('never tries a non-retryable exchange (a mutation) again', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, {}, 503));
    const send = transport({ retries: 3 });
    expect((await send.send('catalogue', exchange(subgraph.url, { retryable: false }))).status).toBe(503);
    subgraph.handle((_request, res) => res.socket?.destroy());
    await expect(send.send('catalogue', exchange(subgraph.url, { retryable: false }))).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(subgraph.received).toHaveLength(2);
  });

  it('does not retry other failures: a 500 is an answer, a 400 too', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, {}, 500));
    const send = transport({ retries: 3 });
    expect((await send.send('catalogue', exchange(subgraph.url))).status).toBe(500);
    expect(subgraph.received).toHaveLength(1);
  });

  it('does not retry once the deadline is nearly spent: retries fit in the time left', async () => {
    // The 503 comes 40 ms before the deadline: time for a 10 ms backoff and a request, not
    // for a useful attempt (50 ms at least), so none is made.
    const subgraph = await fake((_request, res) => {
      setTimeout(() => answerJson(res, {}, 503), 560);
    });
    const send = transport({ retries: 3, random: () => 0 });
    await send.send('catalogue', exchange(subgraph.url, { timeoutMs: 600 })).catch(() => undefined);
    await sleep(200);
    expect(subgraph.received).toHaveLength(1);
  });

  it('stops retrying when the retry budget is spent, so retries do not multiply an outage', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, {}, 503));
    const gauge = metrics();
    // No floor and a 10 % ratio: 40 failing requests earn at most 4 retries. The circuit is
    // kept from opening to see the budget alone.
    const send = transport({
      retries: 1,
      retryBudget: { ratio: 0.1, minPerSecond: 0, capacity: 10 },
      circuit: { minimumCalls: 1_000, windowSize: 1_000 },
      metrics: gauge,
      random: () => 0,
    });
    for (let call = 0; call < 40; call += 1) await send.send('catalogue', exchange(subgraph.url));
    const retries = sample(gauge.render(), 'cig_gateway_subgraph_retries_total{subgraph="catalogue"}') ?? 0;
    expect(retries).toBeGreaterThanOrEqual(3);
    expect(retries).toBeLessThanOrEqual(4);
    expect(subgraph.received).toHaveLength(40 + retries);
  });
});

describe('subgraph transport: circuit breaker', () => {
  const circuit = { windowSize: 4, minimumCalls: 2, failureRatio: 0.5, openMs: 400 };

  it('opens after failures, then fails at once without a call, and exports its state', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, {}, 503));
    const gauge = metrics();
    const send = transport({ retries: 0, circuit, metrics: gauge });
    send.register('custom');
    expect(sample(gauge.render(), 'cig_gateway_subgraph_circuit_state{subgraph="custom"}')).toBe(0);
    await send.send('custom', exchange(subgraph.url));
    await send.send('custom', exchange(subgraph.url));
    expect(sample(gauge.render(), 'cig_gateway_subgraph_circuit_state{subgraph="custom"}')).toBe(2);

    const failure = await send.send('custom', exchange(subgraph.url)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CircuitOpenError);
    expect((failure as CircuitOpenError).subgraph).toBe('custom');
    expect(subgraph.received).toHaveLength(2);
    expect(sample(gauge.render(), 'cig_gateway_subgraph_circuit_rejections_total{subgraph="custom"}')).toBe(1);
  });

  it('lets one probe through when half-open, and closes again once the subgraph answers', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, {}, 503));
    const gauge = metrics();
    const send = transport({ retries: 0, circuit, metrics: gauge });
    await send.send('custom', exchange(subgraph.url));
    await send.send('custom', exchange(subgraph.url));
    await expect(send.send('custom', exchange(subgraph.url))).rejects.toBeInstanceOf(CircuitOpenError);

    // Still down after the cool-down: the probe fails and the circuit opens again.
    await sleep(circuit.openMs + 100);
    expect(sample(gauge.render(), 'cig_gateway_subgraph_circuit_state{subgraph="custom"}')).toBe(1);
    expect((await send.send('custom', exchange(subgraph.url))).status).toBe(503);
    expect(subgraph.received).toHaveLength(3);
    await expect(send.send('custom', exchange(subgraph.url))).rejects.toBeInstanceOf(CircuitOpenError);
    expect(subgraph.received).toHaveLength(3);

    // Back up: of three concurrent calls after the cool-down, one probes, the others are refused.
    subgraph.handle((_request, res) => {
      setTimeout(() => answerJson(res, OK_ANSWER), 50);
    });
    await sleep(circuit.openMs + 100);
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => send.send('custom', exchange(subgraph.url))));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(subgraph.received).toHaveLength(4);
    expect(sample(gauge.render(), 'cig_gateway_subgraph_circuit_state{subgraph="custom"}')).toBe(0);
    expect((await send.send('custom', exchange(subgraph.url))).status).toBe(200);
    expect(subgraph.received).toHaveLength(5);
  });

  it('counts only unavailability: answers with any other status keep the circuit closed', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, { errors: [{ message: 'bad' }] }, 400));
    const send = transport({ retries: 0, circuit });
    for (let call = 0; call < 6; call += 1) expect((await send.send('custom', exchange(subgraph.url))).status).toBe(400);
    expect(subgraph.received).toHaveLength(6);
  });

  it('counts timeouts as failures', async () => {
    const subgraph = await fake(() => {
      // Never answers: the transport's deadline ends the call.
    });
    const send = transport({ retries: 0, circuit });
    await expect(send.send('custom', exchange(subgraph.url, { timeoutMs: 100 }))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(send.send('custom', exchange(subgraph.url, { timeoutMs: 100 }))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(send.send('custom', exchange(subgraph.url, { timeoutMs: 100 }))).rejects.toBeInstanceOf(CircuitOpenError);
    expect(subgraph.received).toHaveLength(2);
  });
});
