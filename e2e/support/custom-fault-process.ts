import { loadProviderProcessConfig, runProviderProcess } from '@cancer-imaging/provider-kit';
import type { InjectedFaults } from '@cancer-imaging/provider-kit/testing';
import { createCustomSubgraph, DEFAULT_CUSTOM_REGISTRY, demoCacheDir } from '@cancer-imaging/subgraph-custom';
import { withSwitchableFaults } from './switchable-faults.js';

// The custom kind subgraph as a process, exactly as subgraphs/custom/src/main.ts runs it,
// plus one test hook: the parent (a fault test, over the IPC channel of child_process.fork
// or spawn with 'ipc') can slow or break a site while the process serves, and heal it again.
// Started by e2e/support/process-graph.ts; never by the product.

/** What the parent sends: the faults of one site from now on (none: healthy again). */
export interface SetFaultsMessage {
  readonly type: 'set-faults';
  readonly id: number;
  readonly site: string;
  readonly faults?: InjectedFaults;
}

/** What this process answers once the faults are in place. */
export interface FaultsSetMessage {
  readonly type: 'faults-set';
  readonly id: number;
}

function isSetFaults(message: unknown): message is SetFaultsMessage {
  const candidate = message as Partial<SetFaultsMessage> | null;
  return typeof candidate === 'object' && candidate !== null && candidate.type === 'set-faults'
    && typeof candidate.id === 'number' && typeof candidate.site === 'string';
}

const faultsBySite = new Map<string, InjectedFaults>();
process.on('message', (message: unknown) => {
  if (!isSetFaults(message)) return;
  if (message.faults) faultsBySite.set(message.site, message.faults);
  else faultsBySite.delete(message.site);
  const answer: FaultsSetMessage = { type: 'faults-set', id: message.id };
  process.send?.(answer);
});
// A test runner that dies must not leave this process serving on its port.
process.on('disconnect', () => process.exit(0));

await runProviderProcess({
  config: loadProviderProcessConfig('custom', process.env, { port: 4002, registryPath: DEFAULT_CUSTOM_REGISTRY }),
  build: (registry, logger, config, access) => createCustomSubgraph({
    registry,
    logger,
    pseudonymSecret: config.pseudonymSecret,
    cacheDir: demoCacheDir(process.env),
    ...access,
    wrapAdapter: (site, adapter) => withSwitchableFaults(adapter, () => faultsBySite.get(site.id)),
  }),
});
