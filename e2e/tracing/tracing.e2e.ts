import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestOnNewConnection, startDemoSubgraphs, startGatewayProcess, type DemoSubgraphs } from '../support/gateway-process.js';

// Tracing as deployed: gateway/src/main.ts as its own process over the real demo
// subgraphs, sending OTLP/HTTP JSON to a fake collector in this process.

/** A string that must never leave the gateway in a span: it is only ever a variable's value. */
const SECRET_VARIABLE = 'zebra-7f3a-patient-like-value';
const QUERY = `query TracedSearch($filter: DatasetFilter) {
  datasets(filter: $filter, first: 5) { totalCount nodes { id title } }
  providers { id cohort(criteria: { modalities: [MR] }) { status } }
}`;

interface OtlpAttribute {
  readonly key: string;
  readonly value: Record<string, unknown>;
}
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly attributes?: OtlpAttribute[];
}
interface OtlpExport {
  readonly resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A collector that accepts POST /v1/traces (OTLP/HTTP JSON) and keeps every body. */
async function startFakeCollector(): Promise<{ endpoint: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces' && String(req.headers['content-type']).includes('json')) {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attribute = (attributes: readonly OtlpAttribute[] | undefined, key: string) => {
  const value = attributes?.find((entry) => entry.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
};

/** The client's own trace, which the gateway's spans must join. */
const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';

/** Runs the operation once through a gateway started with `env`, as part of the client's trace, then stops it with SIGTERM. */
async function runOnce(env: Record<string, string>): Promise<void> {
  const gateway = await startGatewayProcess({ ...subgraphs.gatewayEnv, ...env });
  try {
    const response = await requestOnNewConnection(`${gateway.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` },
      body: JSON.stringify({ query: QUERY, variables: { filter: { text: SECRET_VARIABLE } } }),
    });
    const body = JSON.parse(response.body) as { errors?: unknown[] };
    expect(response.status).toBe(200);
    expect(body.errors).toBeUndefined();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  } finally {
    await gateway.stop();
  }
}

let subgraphs: DemoSubgraphs;
beforeAll(async () => {
  subgraphs = await startDemoSubgraphs();
}, 120_000);
afterAll(async () => {
  await subgraphs?.stop();
});

describe('gateway tracing (CIG_GATEWAY_TRACING)', () => {
  it('with otlp, sends Apollo\'s spans for an operation under service.name cancer-imaging-gateway, flushed at shutdown', async () => {
    const collector = await startFakeCollector();
    try {
      // A batch delay far beyond the test: the spans can only arrive through the flush at shutdown.
      await runOnce({ CIG_GATEWAY_TRACING: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '600000' });
      expect(collector.bodies.length).toBeGreaterThan(0);
      const exports = collector.bodies.map((body) => JSON.parse(body) as OtlpExport);
      const resources = exports.flatMap((entry) => entry.resourceSpans.map((resourceSpans) => resourceSpans.resource));
      for (const resource of resources) expect(attribute(resource.attributes, 'service.name')).toBe('cancer-imaging-gateway');
      const spans = exports.flatMap((entry) => entry.resourceSpans.flatMap((resourceSpans) => resourceSpans.scopeSpans.flatMap((scope) => scope.spans)));

      const request = spans.find((span) => span.name === 'gateway.request' && attribute(span.attributes, 'graphql.operation.name') === 'TracedSearch');
      expect(request, spans.map((span) => span.name).join(', ')).toBeDefined();
      expect(attribute(request!.attributes, 'graphql.operation.type')).toBe('query');
      // The client's traceparent: the gateway's spans continue its trace, under its span.
      expect(request!.traceId).toBe(CLIENT_TRACE_ID);
      expect(request!.parentSpanId).toBe(CLIENT_SPAN_ID);
      const trace = spans.filter((span) => span.traceId === request!.traceId);
      expect(new Set(trace.map((span) => span.name))).toEqual(
        new Set(['gateway.request', 'gateway.validate', 'gateway.plan', 'gateway.execute', 'gateway.fetch', 'gateway.postprocessing']),
      );
      // One fetch per subgraph the plan calls, each a span of its own naming the subgraph.
      const fetched = trace.filter((span) => span.name === 'gateway.fetch').map((span) => attribute(span.attributes, 'service'));
      expect(new Set(fetched)).toEqual(new Set(['catalogue', 'custom']));
      expect(trace.filter((span) => span.spanId !== request!.spanId).every((span) => span.parentSpanId !== undefined && span.parentSpanId !== '')).toBe(true);
    } finally {
      await collector.close();
    }
  }, 180_000);

  it('puts neither variable values nor the query text on any span', async () => {
    const collector = await startFakeCollector();
    try {
      await runOnce({ CIG_GATEWAY_TRACING: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.endpoint}/v1/traces` });
      const everything = collector.bodies.join('\n');
      expect(everything).toContain('TracedSearch');
      expect(everything).not.toContain(SECRET_VARIABLE);
      expect(everything).not.toContain('datasets(filter');
      expect(everything).not.toContain('graphql.document');
    } finally {
      await collector.close();
    }
  }, 180_000);

  it('sends nothing when tracing is off, even with an OTLP endpoint in the environment', async () => {
    const collector = await startFakeCollector();
    try {
      await runOnce({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.endpoint}/v1/traces` });
      expect(collector.bodies).toEqual([]);
    } finally {
      await collector.close();
    }
  }, 180_000);
});
