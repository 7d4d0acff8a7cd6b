import { trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { injectTraceContext, startTracing, type Tracing } from './tracing.js';

const logger = pino({ level: 'silent' });
const otlp = { exporter: 'otlp', endpoint: 'http://127.0.0.1:9/v1/traces', serviceName: 'cancer-imaging-gateway' } as const;

/** Keeps what it was given after shutdown (InMemorySpanExporter forgets its spans then). */
function recordingExporter(): SpanExporter & { readonly spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    export(batch, done) {
      spans.push(...batch);
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => {},
  };
}

let tracing: Tracing | undefined;
afterEach(async () => {
  // Unregisters the global provider, so each test starts from none.
  await tracing?.shutdown();
  tracing = undefined;
});

describe('startTracing', () => {
  it('registers no provider when tracing is off, so spans do not record and injectTraceContext writes nothing', async () => {
    tracing = await startTracing({ config: { exporter: 'off' }, logger });
    expect(tracing.enabled).toBe(false);
    const headers = new Headers();
    trace.getTracer('test').startActiveSpan('off', (span) => {
      expect(span.isRecording()).toBe(false);
      injectTraceContext(headers);
      span.end();
    });
    expect([...headers.keys()]).toEqual([]);
  });

  it('with otlp, exports the spans it records under the configured service name when shut down', async () => {
    const exporter = recordingExporter();
    tracing = await startTracing({ config: otlp, logger, exporter, attributes: { 'process.pid': 4242 } });
    trace.getTracer('test').startActiveSpan('gateway.request', (span) => span.end());
    // Batched: nothing is exported until the batch is due or the provider shuts down.
    expect(exporter.spans).toHaveLength(0);
    await tracing.shutdown();
    const [span] = exporter.spans;
    expect(span?.name).toBe('gateway.request');
    expect(span?.resource.attributes).toMatchObject({ 'service.name': 'cancer-imaging-gateway', 'process.pid': 4242 });
  });
});

describe('injectTraceContext', () => {
  it('writes a W3C traceparent naming the active span as parent', async () => {
    tracing = await startTracing({ config: otlp, logger, exporter: new InMemorySpanExporter() });
    const headers = new Headers();
    let ids: { traceId: string; spanId: string } | undefined;
    trace.getTracer('test').startActiveSpan('gateway.fetch', (span) => {
      ids = span.spanContext();
      injectTraceContext(headers);
      span.end();
    });
    // version 00, the span's trace and span ids, flags 01 (sampled).
    expect(headers.get('traceparent')).toBe(`00-${ids!.traceId}-${ids!.spanId}-01`);
    expect(ids!.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(ids!.spanId).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
  });

  it('writes into a plain record of headers too, as the subgraph data source builds them', async () => {
    tracing = await startTracing({ config: otlp, logger, exporter: recordingExporter() });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let traceId = '';
    trace.getTracer('test').startActiveSpan('gateway.fetch', (span) => {
      traceId = span.spanContext().traceId;
      injectTraceContext(headers);
      span.end();
    });
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'traceparent']);
    expect(headers['traceparent']).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('writes nothing outside a span, even with tracing on', async () => {
    tracing = await startTracing({ config: otlp, logger, exporter: new InMemorySpanExporter() });
    const headers = new Headers();
    injectTraceContext(headers);
    expect(headers.has('traceparent')).toBe(false);
  });
});
