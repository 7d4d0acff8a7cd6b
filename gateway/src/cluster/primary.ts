import type { Address, Cluster, Worker } from 'node:cluster';
import { createMetricsRegistry } from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';
import { mergeExpositions, type WorkerExposition } from './merge-expositions.js';
import { isWorkerMessage, type PrimaryMessage } from './messages.js';
import { createRestartBackoff, type RestartBackoffOptions } from './restart-backoff.js';
import { COLLECT_TIMEOUT_MS } from './worker-link.js';

export interface StartClusterPrimaryOptions {
  /** node:cluster (the primary's side). */
  readonly cluster: Cluster;
  /** Worker processes to keep running. */
  readonly workers: number;
  /** How long stop() waits for workers to drain before it kills them. */
  readonly shutdownTimeoutMs: number;
  readonly logger: Logger;
  readonly backoff?: RestartBackoffOptions;
  /** How long a scrape waits for each worker's exposition. @default COLLECT_TIMEOUT_MS */
  readonly collectTimeoutMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface ClusterPrimary {
  /**
   * Resolves with the GraphQL URL once every worker listens. Rejects when a worker exits
   * before that: the gateway cannot start (bad supergraph, port taken), and restarting
   * would not help, so the primary fails as a single process would.
   */
  readonly started: Promise<string>;
  /**
   * Stops restarting, asks every worker to drain and exit, and waits for them; workers
   * still running after shutdownTimeoutMs are killed. Resolves with the exit code for the
   * primary: 0 when every worker stopped cleanly in time, 1 otherwise. Safe to call twice.
   */
  stop(): Promise<number>;
}

/** One of the `workers` places; its worker is replaced when it dies, and keeps the place's number as its `worker` label. */
interface Slot {
  readonly number: number;
  readonly backoff: ReturnType<typeof createRestartBackoff>;
  worker?: Worker;
  startedAt: number;
  listening: boolean;
  restartTimer?: NodeJS.Timeout;
}

function toUrl(address: Address): string {
  const host = address.address === null || address.address === undefined || address.address === '' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/graphql`;
}

/**
 * The primary of cluster mode: forks the workers (each runs the whole gateway on the
 * shared port; Node hands connections to them in turn), forks a replacement when one
 * dies (after a bounded backoff), answers workers' requests for the whole gateway's
 * metrics, and on stop() drains them. It serves nothing itself.
 */
export function startClusterPrimary(options: StartClusterPrimaryOptions): ClusterPrimary {
  const { cluster, logger, shutdownTimeoutMs } = options;
  const collectTimeoutMs = options.collectTimeoutMs ?? COLLECT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const slots: Slot[] = Array.from({ length: options.workers }, (_, i) => ({
    number: i + 1,
    backoff: createRestartBackoff(options.backoff),
    startedAt: 0,
    listening: false,
  }));
  const slotOf = new Map<number, Slot>();
  const collecting = new Map<number, (text: string) => void>();
  let nextCollectId = 0;
  let restarts = 0;
  let isStarted = false;
  let stopping: Promise<number> | undefined;

  let resolveStarted!: (url: string) => void;
  let rejectStarted!: (error: Error) => void;
  const started = new Promise<string>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  // main.ts awaits it; this keeps a rejection during stop() from being reported as unhandled.
  started.catch(() => undefined);

  const send = (worker: Worker, message: PrimaryMessage): boolean => {
    if (!worker.isConnected()) return false;
    try {
      return worker.send(message);
    } catch {
      return false;
    }
  };

  function fork(slot: Slot): void {
    slot.restartTimer = undefined;
    const worker = cluster.fork();
    slot.worker = worker;
    slot.startedAt = now();
    slot.listening = false;
    slotOf.set(worker.id, slot);
    // A message to a worker that just died fails asynchronously with an 'error' event,
    // which would end the primary if nothing listened.
    worker.on('error', (error) => logger.debug({ err: error, worker: slot.number }, 'IPC with a worker failed'));
  }

  /** This worker's own exposition, or undefined when it does not answer in time. */
  function collectFrom(slot: Slot, worker: Worker): Promise<WorkerExposition | undefined> {
    const id = ++nextCollectId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), collectTimeoutMs);
      const finish = (text: string | undefined) => {
        clearTimeout(timer);
        collecting.delete(id);
        resolve(text === undefined ? undefined : { worker: String(slot.number), text });
      };
      collecting.set(id, finish);
      if (!send(worker, { type: 'cig:collect-metrics', id })) finish(undefined);
    });
  }

  /** Every listening worker's samples labelled with its number, then the cluster's own families. */
  async function clusterExposition(): Promise<string> {
    const live = slots.flatMap((slot) => (slot.worker && slot.listening ? [{ slot, worker: slot.worker }] : []));
    const answers = await Promise.all(live.map(({ slot, worker }) => collectFrom(slot, worker)));
    const answered = answers.filter((answer): answer is WorkerExposition => answer !== undefined);

    // A registry per scrape: a replaced worker's info series must disappear, which a long-lived gauge cannot do.
    const registry = createMetricsRegistry();
    registry.gauge({ name: 'cig_gateway_cluster_workers', help: 'Worker processes the gateway is configured to run (CIG_GATEWAY_WORKERS).' }).set({}, slots.length);
    registry.gauge({ name: 'cig_gateway_cluster_workers_up', help: 'Worker processes listening now.' }).set({}, live.length);
    registry
      .counter({ name: 'cig_gateway_cluster_worker_restarts_total', help: 'Workers forked to replace one that exited.' })
      .inc({}, restarts);
    registry
      .gauge({ name: 'cig_gateway_cluster_scrape_missing_workers', help: 'Listening workers whose metrics did not arrive in time for this scrape (their samples are missing from it).' })
      .set({}, live.length - answered.length);
    const info = registry.gauge({ name: 'cig_gateway_cluster_worker_info', help: 'One series per listening worker: its number (the worker label of its samples) and process id.', labelNames: ['worker', 'pid'] });
    for (const { slot, worker } of live) info.set({ worker: String(slot.number), pid: String(worker.process.pid ?? '') }, 1);
    return mergeExpositions(answered) + registry.render();
  }

  cluster.on('listening', (worker, address) => {
    const slot = slotOf.get(worker.id);
    if (!slot || slot.worker !== worker) return;
    slot.listening = true;
    logger.debug({ worker: slot.number, pid: worker.process.pid }, 'gateway worker listening');
    if (!isStarted && slots.every((candidate) => candidate.listening)) {
      isStarted = true;
      resolveStarted(toUrl(address));
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slotOf.get(worker.id);
    slotOf.delete(worker.id);
    if (!slot || slot.worker !== worker) return;
    slot.worker = undefined;
    slot.listening = false;
    const line = { worker: slot.number, pid: worker.process.pid, code, signal };
    if (stopping) return;
    if (!isStarted) {
      logger.error(line, 'a gateway worker exited before listening');
      rejectStarted(new Error(`gateway worker ${slot.number} exited during start-up (${signal ?? `code ${code}`})`));
      return;
    }
    const delay = slot.backoff.delayAfter(now() - slot.startedAt);
    logger[code === 0 && signal === null ? 'info' : 'warn']({ ...line, restartInMs: delay }, 'a gateway worker exited; forking a replacement');
    slot.restartTimer = setTimeout(() => {
      restarts += 1;
      fork(slot);
    }, delay);
  });

  cluster.on('message', (worker, message: unknown) => {
    if (!isWorkerMessage(message)) return;
    if (message.type === 'cig:local-metrics') {
      collecting.get(message.id)?.(message.text);
      return;
    }
    void clusterExposition().then(
      (text) => send(worker, { type: 'cig:cluster-metrics', id: message.id, text }),
      (error: unknown) => logger.error({ err: error }, 'could not merge the workers\' metrics'),
    );
  });

  for (const slot of slots) fork(slot);

  async function drain(): Promise<number> {
    for (const slot of slots) clearTimeout(slot.restartTimer);
    const live = slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
    const exits = live.map(
      (worker) =>
        new Promise<boolean>((resolve) => {
          if (worker.isDead()) resolve(worker.process.exitCode === 0);
          else worker.once('exit', (code, signal) => resolve(code === 0 && signal === null));
        }),
    );
    for (const worker of live) send(worker, { type: 'cig:shutdown' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs);
    });
    const outcome = await Promise.race([Promise.all(exits), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const stuck = live.filter((worker) => !worker.isDead());
      logger.error({ pids: stuck.map((worker) => worker.process.pid), timeoutMs: shutdownTimeoutMs }, 'gateway workers did not stop in time; killing them');
      for (const worker of stuck) worker.process.kill('SIGKILL');
      await Promise.all(exits);
      return 1;
    }
    return outcome.every(Boolean) ? 0 : 1;
  }

  return {
    started,
    stop() {
      stopping ??= drain();
      if (!isStarted) rejectStarted(new Error('the gateway cluster was stopped during start-up'));
      return stopping;
    },
  };
}
