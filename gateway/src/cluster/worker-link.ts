import type { MetricsSource } from '../server.js';
import { isPrimaryMessage, type WorkerMessage } from './messages.js';

/** How long the primary waits for each worker's exposition during one scrape. */
export const COLLECT_TIMEOUT_MS = 2_000;
/** How long a worker waits for the primary's merged answer: longer than the primary's own wait, so a slow worker costs its samples, not the scrape. */
export const CLUSTER_METRICS_TIMEOUT_MS = COLLECT_TIMEOUT_MS + 1_000;

/** The worker's end of the IPC channel: `process` in a cluster worker. */
export interface IpcChannel {
  send(message: WorkerMessage): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** A cluster worker's link to its primary. */
export interface WorkerLink extends MetricsSource {
  /** Runs `listener` when the primary asks this worker to drain and exit. */
  onShutdown(listener: () => void): void;
  /** Stops listening to the channel and fails the scrapes still waiting. */
  close(): void;
}

export interface CreateWorkerLinkOptions {
  readonly channel: IpcChannel;
  /** @default CLUSTER_METRICS_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/**
 * The worker side of cluster metrics and shutdown. /metrics on a worker asks the primary,
 * which collects every worker's own exposition (this worker's too, through the same
 * channel) and answers with them merged; so a scrape describes the whole gateway whichever
 * worker the connection landed on.
 */
export function createWorkerLink(options: CreateWorkerLinkOptions): WorkerLink {
  const { channel } = options;
  const timeoutMs = options.timeoutMs ?? CLUSTER_METRICS_TIMEOUT_MS;
  let local: (() => string) | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  const shutdownListeners: Array<() => void> = [];

  const send = (message: WorkerMessage): boolean => {
    try {
      channel.send(message);
      return true;
    } catch {
      // The channel is closed: the primary is gone, and Node ends this worker shortly.
      return false;
    }
  };

  const onMessage = (message: unknown): void => {
    if (!isPrimaryMessage(message)) return;
    switch (message.type) {
      case 'cig:collect-metrics':
        // Before start() attaches the registry (or with metrics off) there is nothing to report.
        send({ type: 'cig:local-metrics', id: message.id, text: local?.() ?? '' });
        return;
      case 'cig:cluster-metrics':
        pending.get(message.id)?.resolve(message.text);
        return;
      case 'cig:shutdown':
        for (const listener of shutdownListeners) listener();
        return;
    }
  };
  channel.on('message', onMessage);

  return {
    attach(render) {
      local = render;
    },
    render() {
      const id = ++nextId;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => settle(() => reject(new Error(`the cluster primary did not answer within ${timeoutMs} ms`))), timeoutMs);
        const settle = (finish: () => void) => {
          clearTimeout(timer);
          pending.delete(id);
          finish();
        };
        pending.set(id, {
          resolve: (text) => settle(() => resolve(text)),
          reject: (error) => settle(() => reject(error)),
        });
        if (!send({ type: 'cig:metrics-request', id })) pending.get(id)?.reject(new Error('the cluster primary is gone'));
      });
    },
    onShutdown(listener) {
      shutdownListeners.push(listener);
    },
    close() {
      channel.off('message', onMessage);
      for (const entry of [...pending.values()]) entry.reject(new Error('the worker link is closed'));
    },
  };
}
