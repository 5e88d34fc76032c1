// A querier in a worker thread of its own (started by threads.ts): its own NATS connection,
// store client and index reader, pulling sub-queries from the work queue like any querier
// process, so a heavy query uses another core and never holds up pushes or /ready.
import { join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { DeleteRequests, Leases, WorkQueue, connectBus, leaseOf, watchConnection } from '../../bus/index.ts';
import { durationMs, RuntimeConfig, type Config } from '../../config/index.ts';
import { IndexReader, openObjectStore, type StorageConfig } from '../../storage/index.ts';
import { QuerierDeletes } from './deletes.ts';
import { Querier } from './querier.ts';
import { INDEX_CACHE_DIR } from './threads.ts';
import { Tails } from './tail.ts';

export interface QuerierThreadData {
  entry: string;
  cfg: Config;
  /** The node's id; the thread names its connection after it. */
  nodeId: string;
  dataDir: string;
  /** storage_config with its defaults resolved by the node. */
  storage: StorageConfig;
  /** Sub-queries this thread runs at once. */
  concurrency: number;
  /** This thread's share of storage_config.index_cache_max_bytes. */
  indexCacheBytes: number;
  logLevel: string;
}

/** Messages a querier thread posts to its supervisor. */
export type ThreadMessage = { type: 'ready' } | { type: 'alive' } | { type: 'stopped' } | { type: 'tails'; active: number };

/** How often a thread says it is alive: its event loop turns, so a stall is visible. */
export const ALIVE_MS = 1000;

const data = workerData as QuerierThreadData;
const port = parentPort!;
const post = (m: ThreadMessage) => port.postMessage(m);
const { cfg } = data;
const log = pino({ level: data.logLevel }).child({ node: data.nodeId, role: 'querier', thread: threadId });

const nc = await connectBus(cfg.nats.url, `${data.nodeId}-querier-${threadId}`);
watchConnection(nc, log);
const store = await openObjectStore(data.storage);
const leases = (await Leases.open(nc, { ttlMs: durationMs(cfg.ingester.lease_ttl), replicas: cfg.nats.replicas })).view();
await leases.start();
// each tenant's deletion_mode, from the runtime config as the node reads it
const runtime = new RuntimeConfig(cfg.limits_config, cfg.runtime_config.file, durationMs(cfg.runtime_config.period), log.child({ part: 'runtime-config' }));
await runtime.start();
const deleteRequests = (await DeleteRequests.open(nc, cfg.nats.replicas)).view();
await deleteRequests.start();
const index = new IndexReader({ store, cacheDir: join(data.dataDir, INDEX_CACHE_DIR), maxBytes: data.indexCacheBytes });
const source = {
  nc,
  partitions: {
    count: cfg.distributor.partitions,
    owners: () => [...new Set([...leases.current().values()].map((e) => leaseOf(e.key, e.value, e.revision, e.created)?.owner).filter((o): o is string => !!o))],
  },
  store,
  index,
  ingesterTimeoutMs: durationMs(cfg.querier.ingester_query_timeout),
  queryIngestersWithinMs: durationMs(cfg.querier.query_ingesters_within),
  maxBytesRead: cfg.limits_config.max_querier_bytes_read,
  deletes: new QuerierDeletes(deleteRequests, (tenant) => runtime.limits(tenant).deletion_mode),
};
const querier = new Querier(
  {
    max_concurrent: data.concurrency,
    max_query_series: cfg.limits_config.max_query_series,
    max_line_size: cfg.limits_config.max_line_size,
    volume_max_series: cfg.limits_config.volume_max_series,
  },
  { ...source, queue: await WorkQueue.open(nc, durationMs(cfg.querier.query_timeout), cfg.nats.replicas) },
);
querier.start();
// live tails read their tenants' feeds on a connection of their own (see tail.ts)
const feedNc = await connectBus(cfg.nats.url, `${data.nodeId}-tail-${threadId}`);
watchConnection(feedNc, log.child({ connection: 'tail' }));
const tails = new Tails(
  {
    holder: `${data.nodeId}-${threadId}`,
    max_concurrent_tail_requests: cfg.limits_config.max_concurrent_tail_requests,
    max_line_size: cfg.limits_config.max_line_size,
    query_timeout_ms: durationMs(cfg.querier.query_timeout),
    tail_max_duration_ms: durationMs(cfg.querier.tail_max_duration),
  },
  { nc, feedNc, source, log, onActive: (active) => post({ type: 'tails', active }) },
);
tails.start();
const alive = setInterval(() => post({ type: 'alive' }), ALIVE_MS);
port.on('message', (m: { type: string }) => {
  if (m.type !== 'stop') return;
  clearInterval(alive);
  void (async () => {
    tails.stop();
    await querier.stop();
    await feedNc.drain().catch(() => undefined);
    leases.stop();
    deleteRequests.stop();
    runtime.stop();
    await nc.drain().catch(() => undefined);
    index.close();
    await store.close();
    post({ type: 'stopped' });
  })();
});
post({ type: 'ready' });
