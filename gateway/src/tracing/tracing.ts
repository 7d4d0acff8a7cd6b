import { context, propagation, ROOT_CONTEXT, trace, type Context, type TextMapSetter } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config.js';

/** How often a failing export is logged at most: a collector that is down must not flood the log. */
const EXPORT_FAILURE_LOG_INTERVAL_MS = 60_000;

export interface Tracing {
  /** Whether a tracer provider is registered (CIG_GATEWAY_TRACING=otlp). */
  readonly enabled: boolean;
  /**
   * Sends the spans still buffered, then unregisters the provider, context manager and
   * propagator. Never rejects: a collector that is down must not fail the gateway's stop.
   */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  readonly config: TracingConfig;
  readonly logger: Logger;
  /** Resource attributes besides `service.name`, e.g. `process.pid` to tell cluster workers apart. */
  readonly attributes?: Readonly<Record<string, string | number>>;
  /** Replaces the OTLP exporter; tests pass an in-memory one. */
  readonly exporter?: SpanExporter;
}

const OFF: Tracing = { enabled: false, shutdown: async () => {} };

/**
 * Registers OpenTelemetry tracing for this process when the config asks for it: a
 * NodeTracerProvider whose spans go through a BatchSpanProcessor to the OTLP/HTTP (JSON)
 * exporter, with W3C trace-context propagation. Call before the gateway starts; Apollo
 * Gateway's spans (gateway.request, gateway.validate, gateway.plan, gateway.execute,
 * gateway.fetch, gateway.postprocessing) then land in it.
 *
 * Off registers nothing and loads no SDK module: Apollo's tracer stays the API's no-op one
 * and injectTraceContext writes no header.
 */
export async function startTracing(options: StartTracingOptions): Promise<Tracing> {
  const { config, logger } = options;
  if (config.exporter === 'off') return OFF;
  const [{ W3CTraceContextPropagator, ExportResultCode }, { Resource }, { BatchSpanProcessor }, { NodeTracerProvider }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const inner = options.exporter ?? new OTLPTraceExporter({ url: config.endpoint });
  let lastFailureLog = Number.NEGATIVE_INFINITY;
  // The exporter reports a failed batch only to its callback (and OpenTelemetry's silent
  // diag logger): say it in our log, at most once a minute.
  const exporter: SpanExporter = {
    export(spans, done) {
      inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && Date.now() - lastFailureLog >= EXPORT_FAILURE_LOG_INTERVAL_MS) {
          lastFailureLog = Date.now();
          logger.warn({ err: result.error, endpoint: config.endpoint, spans: spans.length }, 'could not send spans to the OTLP endpoint; they are dropped');
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush && { forceFlush: () => inner.forceFlush!() }),
  };
  const provider = new NodeTracerProvider({
    resource: new Resource({ ...options.attributes, 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Trace context only, no baggage: nothing of the caller's besides the trace ids travels on.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  logger.info({ endpoint: config.endpoint, serviceName: config.serviceName }, 'tracing: sending spans over OTLP');

  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown() {
      stopped ??= provider.shutdown().then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error, endpoint: config.endpoint }, 'tracing: could not flush the last spans'),
      ).finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      });
      return stopped;
    },
  };
}

/** What injectTraceContext writes to: a Fetch `Headers` (anything with set()) or a plain record of headers. */
export type TraceHeaders = { set(name: string, value: string): void } | Record<string, string>;

/** W3C trace-context header names, for code that must leave them out of a comparison (e.g. merging identical fetches). */
export const TRACE_CONTEXT_HEADERS: readonly string[] = ['traceparent', 'tracestate'];

const headerSetter: TextMapSetter<TraceHeaders> = {
  set(carrier, key, value) {
    if (typeof carrier['set'] === 'function') (carrier as { set(name: string, value: string): void }).set(key, value);
    else (carrier as Record<string, string>)[key] = value;
  },
};

/**
 * Adds the W3C trace context of the active span (`traceparent`, and `tracestate` when there
 * is one) to an outgoing request's headers, so a subgraph's spans join the gateway's trace.
 * SubgraphDataSource calls it for every subgraph request; inside Apollo's gateway.fetch span
 * that span is the parent. With tracing off no propagator is registered and nothing is written.
 */
export function injectTraceContext(headers: TraceHeaders, from: Context = context.active()): void {
  propagation.inject(from, headers, headerSetter);
}

/**
 * Runs `work` inside the trace a client's request carries (its `traceparent`), so the
 * gateway's spans join the caller's trace instead of starting one of their own. With
 * tracing off no propagator is registered: `work` runs as it is.
 */
export function withIncomingTraceContext<T>(headers: Readonly<Record<string, string | string[] | undefined>>, work: () => T): T {
  return context.with(propagation.extract(ROOT_CONTEXT, headers), work);
}
