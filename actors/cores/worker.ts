// A worker process of a node that runs one process per core: its own directory under the node's
// (its own member id, index files and caches), the node's object store, one querier thread, and
// the node's /ready and /metrics answered by asking the primary, which sees every worker.
import { join } from 'node:path';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Config } from '../../config/index.ts';
import { isCoreMessage, type AskMessage, type CoreMessage } from './messages.ts';

/** The environment variables naming a worker's index (0, 1, ...) and how many there are; set by the primary. */
export const WORKER_ENV = 'MUNINN_WORKER';
export const WORKERS_ENV = 'MUNINN_WORKERS';

/**
 * The worker's configuration: the node's, with a directory of its own under the node's, and its
 * share of the node's querier slots (querier.max_concurrent is the node's, as with one process).
 */
export function workerConfig(cfg: Config, index: number, count: number): Config {
  const root = cfg.common.path_prefix;
  return {
    ...cfg,
    common: { ...cfg.common, path_prefix: join(root, 'workers', String(index)) },
    storage_config: { ...cfg.storage_config, filesystem: { directory: cfg.storage_config.filesystem.directory || join(root, 'store') } },
    // every worker has queriers; together they already use every core
    querier: { ...cfg.querier, worker_threads: cfg.querier.worker_threads || 1, max_concurrent: Math.max(1, Math.ceil(cfg.querier.max_concurrent / count)) },
  };
}

/** How a worker's node answers /ready and /metrics for the whole node, and hears the primary. */
export interface CoreLink {
  /** Tells the primary this worker's readiness. */
  report(notReady: string | undefined): void;
  /** Why the node (every worker) is not ready, or undefined when it is. */
  ready(): Promise<string | undefined>;
  /** The node's metrics, every worker's summed. */
  metrics(): Promise<string>;
  /** Called when the primary says to stop. */
  onStop(fn: () => void): void;
  /** Lets the primary read this worker's metrics. */
  share(registry: Registry): void;
}

const ASK_TIMEOUT_MS = 5000;

export function linkToPrimary(): CoreLink {
  const waiting = new Map<number, (text: string | null) => void>();
  const stops: Array<() => void> = [];
  let next = 0;
  process.on('message', (m: unknown) => {
    if (!isCoreMessage(m)) return;
    if (m.t === 'muninn:answer') waiting.get(m.id)?.(m.text);
    if (m.t === 'muninn:stop') for (const fn of stops) fn();
  });
  const send = (m: CoreMessage) => process.send?.(m);
  const ask = (what: AskMessage['what']) =>
    new Promise<string | null>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the node's primary process did not answer for ${what}`));
      }, ASK_TIMEOUT_MS);
      waiting.set(id, (text) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(text);
      });
      send({ t: 'muninn:ask', id, what });
    });
  return {
    report: (notReady) => send({ t: 'muninn:state', notReady: notReady ?? null }),
    ready: async () => (await ask('ready')) ?? undefined,
    metrics: async () => (await ask('metrics')) ?? '',
    onStop: (fn) => void stops.push(fn),
    share: (registry) => {
      // answers the primary's requests for this worker's metrics (prom-client's cluster protocol)
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([registry]);
    },
  };
}
