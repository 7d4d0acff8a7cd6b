import type { ApolloGateway, Experimental_DidResolveQueryPlanCallback } from '@apollo/gateway';
import { context as otelContext } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import {
  getNullableType, getOperationAST, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, parse, typeFromAST, validate,
  type DocumentNode, type GraphQLInputType, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import type { Logger } from 'pino';
import type { PersistedOperations } from './persisted-operations/persisted-operations.js';

/** What one warm-up did. */
export interface PlanWarmupReport {
  /** Operations whose plan is now in the gateway's plan cache. */
  readonly planned: number;
  /** Operations that do not fit the supergraph in use (e.g. one composed for fewer kinds): not planned. */
  readonly skipped: readonly string[];
  /** Operations the planner failed on: they will fail for clients too. */
  readonly failed: readonly string[];
  readonly durationMs: number;
  /** A newer supergraph arrived meanwhile; its own warm-up takes over. */
  readonly superseded: boolean;
}

export interface PlanWarmupOptions {
  /** The operations to plan: the persisted ones, by hash. */
  readonly operations: PersistedOperations;
  readonly logger: Logger;
}

export interface PlanWarmup {
  /** Hand to `new ApolloGateway({ experimental_didResolveQueryPlan })`: it stops a warm-up's operations once planned. */
  readonly didResolveQueryPlan: Experimental_DidResolveQueryPlanCallback;
  /**
   * Plans every operation now (after `apollo.start()`, which loads the supergraph) and
   * again after each supergraph update. Resolves when the first warm-up is done.
   */
  start(gateway: ApolloGateway): Promise<PlanWarmupReport>;
  /** Resolves when no warm-up is running or scheduled (after a reload, tests and reloadSupergraph() wait for it). */
  idle(): Promise<void>;
  /** Stops warming: no more after updates, and a running warm-up ends at its next operation. */
  stop(): void;
}

/** Thrown out of didResolveQueryPlan to end a warm-up's operation once its plan is stored. */
class PlannedOnly extends Error {}

/**
 * A value of `type` that variable coercion accepts, for a required variable: the gateway
 * checks variables before it plans, and a plan does not depend on their values (only on
 * the text and operation name), so any valid value will do.
 */
function placeholderOf(type: GraphQLInputType, depth = 0): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [];
  if (isEnumType(nullable)) return nullable.getValues()[0]?.value ?? null;
  if (isInputObjectType(nullable)) {
    const value: Record<string, unknown> = {};
    if (depth > 16) return value;
    const fields = Object.values(nullable.getFields());
    // A @oneOf input takes exactly one field; any other takes its required ones.
    const required = nullable.isOneOf ? fields.slice(0, 1) : fields.filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    for (const field of required) value[field.name] = placeholderOf(field.type, depth + 1);
    return value;
  }
  if (isScalarType(nullable)) {
    if (nullable.name === 'Int' || nullable.name === 'Float') return 0;
    if (nullable.name === 'Boolean') return false;
    return '';
  }
  return null;
}

export function placeholderVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (!type || !isNonNullType(type) || definition.defaultValue) continue;
    variables[definition.variable.name.value] = placeholderOf(type as GraphQLInputType);
  }
  return variables;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Warms @apollo/gateway's query-plan cache with the persisted operations, so their first
 * request is not the one that pays for planning (tens of milliseconds for a cohort over
 * every kind, more while the process is cold).
 *
 * It uses only what @apollo/gateway exposes: each operation goes through the gateway's
 * `executor` as Apollo Server would send it (same query hash, no operation name: the
 * cache key of an SDK request), which plans it and stores the plan, and then
 * `experimental_didResolveQueryPlan` throws for a warm-up request before the plan is
 * executed, so no subgraph is called. Warm-ups run with tracing suppressed and yield to
 * the event loop between operations, so requests arriving during a reload's warm-up are
 * served. plan-warmup.test.ts pins this against @apollo/gateway: the plan is stored, no
 * subgraph is called, and the next request does not plan.
 */
export function createPlanWarmup(options: PlanWarmupOptions): PlanWarmup {
  const { logger } = options;
  const warming = new WeakSet<object>();
  let generation = 0;
  let pending: Promise<unknown> = Promise.resolve();
  let unsubscribe: (() => void) | undefined;
  let parsed: { hash: string; text: string; document?: DocumentNode; name: string }[] | undefined;

  /** Parsed once for the gateway's life; a text that does not parse (an operator's typo) is kept to be skipped. */
  function documents() {
    parsed ??= [...options.operations].map(([hash, text]) => {
      try {
        const document = parse(text);
        return { hash, text, document, name: getOperationAST(document)?.name?.value ?? hash.slice(0, 12) };
      } catch {
        return { hash, text, name: hash.slice(0, 12) };
      }
    });
    return parsed;
  }

  async function warm(gateway: ApolloGateway, mine: number): Promise<PlanWarmupReport> {
    const started = performance.now();
    const skipped: string[] = [];
    const failed: string[] = [];
    let planned = 0;
    const schema = gateway.schema;
    if (!schema) throw new Error('The gateway has no schema yet: warm its plans after apollo.start().');
    for (const { hash, text, document, name } of documents()) {
      if (mine !== generation) return { planned, skipped, failed, durationMs: performance.now() - started, superseded: true };
      const operation = document && getOperationAST(document);
      if (!document || !operation || validate(schema, document).length > 0) {
        skipped.push(name);
        continue;
      }
      const requestContext = {
        request: { query: text, variables: placeholderVariables(schema, operation) },
        document,
        source: text,
        queryHash: hash,
        operationName: operation.name?.value ?? null,
        operation,
        schema,
        context: {},
        logger,
        metrics: {},
      };
      warming.add(requestContext);
      try {
        // Only the fields the executor reads before didResolveQueryPlan (request, document,
        // queryHash, operationName, source); the rest of Apollo's context is never reached.
        const executor = gateway.executor as (context: unknown) => ReturnType<ApolloGateway['executor']>;
        const result = await otelContext.with(suppressTracing(otelContext.active()), () => executor(requestContext));
        // An answer means the gateway stopped before planning (e.g. refused the variables).
        failed.push(name);
        logger.warn({ operation: name, errors: result.errors?.map((error) => error.message) }, 'plan warm-up: the gateway answered instead of planning');
      } catch (error) {
        if (error instanceof PlannedOnly) planned += 1;
        else {
          failed.push(name);
          logger.warn({ operation: name, err: error }, 'plan warm-up: planning failed');
        }
      }
      await nextTurn();
    }
    return { planned, skipped, failed, durationMs: performance.now() - started, superseded: false };
  }

  /** One warm-up, logged; never rejects (a failed warm-up leaves plans to be built on first use, as without one). */
  function run(gateway: ApolloGateway): Promise<PlanWarmupReport> {
    const mine = ++generation;
    const started = performance.now();
    const done = warm(gateway, mine).then(
      (report) => {
        const line = { planned: report.planned, skipped: report.skipped, failed: report.failed, durationMs: Math.round(report.durationMs) };
        if (report.superseded) logger.debug(line, 'plan warm-up superseded by a newer supergraph');
        else if (report.skipped.length > 0) logger.warn(line, 'query plans warmed; some persisted operations do not fit this supergraph');
        else logger.info(line, 'query plans warmed');
        return report;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'plan warm-up failed');
        return { planned: 0, skipped: [], failed: [], durationMs: performance.now() - started, superseded: false };
      },
    );
    pending = done;
    return done;
  }

  return {
    didResolveQueryPlan({ requestContext }) {
      if (warming.has(requestContext)) throw new PlannedOnly('planned for warm-up; not executed');
    },
    async start(gateway) {
      unsubscribe?.();
      // Apollo calls this inside its update, after it has swapped in the new schema and
      // planner (and emptied the plan cache); warm on the next turn, once the update is done.
      unsubscribe = gateway.onSchemaLoadOrUpdate(() => {
        generation += 1;
        pending = nextTurn().then(() => (unsubscribe ? run(gateway) : undefined));
      });
      return run(gateway);
    },
    async idle() {
      for (;;) {
        const current = pending;
        await current;
        if (current === pending) return;
      }
    },
    stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      generation += 1;
    },
  };
}
