// The roles a process can host, as a table: how each starts from what the process shares, how it
// stops, what it adds to the HTTP port, what it tells /ready and `muninn status`. Adding a role
// (the compactor, the agent) is one entry here.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { ByteBudget, Checkpoints, CompactorLease, DeleteRequests, IngestLog, Leases, Members, ResultsCache, WorkQueue, connectBus, servePush, watchConnection } from '../bus/index.ts';
import { durationMs, type Config, type RuntimeConfig } from '../config/index.ts';
import { IndexWriter, openObjectStore, type StorageConfig } from '../storage/index.ts';
import { Compactor } from './compactor/compactor.ts';
import { Retention } from './compactor/retention.ts';
import { ClusterView } from './distributor/cluster-view.ts';
import { Distributor } from './distributor/distributor.ts';
import { pushStreamOf } from './distributor/push-stream.ts';
import { Frontend } from './frontend/frontend.ts';
import { FrontendCache } from './frontend/results-cache.ts';
import { Gateway } from './gateway/gateway.ts';
import type { Route } from './http-server.ts';
import { Ingester } from './ingester/ingester.ts';
import type { Metrics } from './metrics.ts';
import { QuerierThreads } from './querier/threads.ts';

export const ROLES = ['gateway', 'distributor', 'ingester', 'frontend', 'querier', 'compactor'] as const;
export type Role = (typeof ROLES)[number];

/** A role running in this process. */
export interface RunningRole {
  stop(): Promise<void> | void;
  /** Routes it adds to the process's HTTP port. */
  routes?: Route[];
  /** Why it is not ready yet, when it is not. */
  notReady?(): string | undefined;
  /** Figures for `muninn status`, in the member entry. */
  status?(): Record<string, unknown>;
}

/** What the roles of one process share; each part is made once, by the first role that needs it. */
export interface NodeParts {
  cfg: Config;
  id: string;
  dataDir: string;
  log: Logger;
  metrics: Metrics;
  nc: NatsConnection;
  members: Members;
  /** Per-tenant overrides of the push limits, read again every runtime_config.period. */
  runtime: RuntimeConfig;
  /** storage_config with the filesystem default (<path_prefix>/store) filled in. */
  storage: StorageConfig;
  distributor(): Promise<Distributor>;
  /** A function run when the process stops, after the roles. */
  onStop(fn: () => Promise<void> | void): void;
}

/** A querier thread silent this long past the query timeout is stuck and is replaced. */
const STALL_GRACE_MS = 10_000;

/** Each role's start, in the order a process starts them (distributor before the gateway pushing into it). */
export const roleTable: Record<Role, (p: NodeParts) => Promise<RunningRole>> = {
  async distributor(p) {
    const d = await p.distributor();
    const stop = servePush(p.nc, (tenant, streams) =>
      d.push(tenant, streams.map((s) => pushStreamOf(s.labels, s.entries.map(([ts, line, metadata]) => ({ ts: BigInt(ts), line, metadata }))))),
    );
    return { stop };
  },

  async gateway(p) {
    const { cfg } = p;
    const gateway = new Gateway(
      {
        max_request_body_bytes: cfg.server.max_request_body_bytes,
        auth_enabled: cfg.auth_enabled,
        query_timeout_ms: durationMs(cfg.querier.query_timeout),
        max_entries_limit_per_query: cfg.limits_config.max_entries_limit_per_query,
        delete_request_cancel_period_ms: durationMs(cfg.compactor.delete_request_cancel_period),
      },
      {
        nc: p.nc,
        distributor: await p.distributor(),
        requests: await DeleteRequests.open(p.nc, cfg.nats.replicas),
        deletionMode: (tenant) => p.runtime.limits(tenant).deletion_mode,
        metrics: p.metrics,
      },
    );
    return { routes: gateway.routes(), stop: () => gateway.stop() };
  },

  async querier(p) {
    const { cfg } = p;
    // queriers run in threads of their own: a heavy query takes another core, not this loop
    const queriers = new QuerierThreads(
      {
        cfg,
        nodeId: p.id,
        dataDir: p.dataDir,
        storage: p.storage,
        logLevel: p.log.level,
        threads: cfg.querier.worker_threads,
        max_concurrent: cfg.querier.max_concurrent,
        stall_ms: durationMs(cfg.querier.query_timeout) + STALL_GRACE_MS,
      },
      p.log.child({ role: 'querier' }),
      (active) => p.metrics.tailsActive.set(active),
    );
    await queriers.start();
    return { stop: () => queriers.stop() };
  },

  async frontend(p) {
    const { cfg } = p;
    await p.members.live();
    // every querier thread busy and as many pieces waiting on the queue behind them (at least 16),
    // counted again once a second, not for every piece
    let slots = 16;
    let countedAt = 0;
    const queriersSlots = () => {
      if (Date.now() - countedAt > 1000) {
        countedAt = Date.now();
        slots = Math.max(16, 2 * cfg.querier.max_concurrent * p.members.liveNow().filter((m) => m.roles.includes('querier')).length);
      }
      return slots;
    };
    const deletes = (await DeleteRequests.open(p.nc, cfg.nats.replicas)).view();
    await deletes.start();
    const frontend = new Frontend(
      {
        split_queries_by_interval_ms: durationMs(cfg.query_range.split_queries_by_interval),
        shards: cfg.query_range.parallelise_shardable_queries ? cfg.query_range.shard_count : 1,
        max_retries: cfg.frontend.max_retries,
        max_outstanding_per_tenant: cfg.frontend.max_outstanding_per_tenant,
        subquery_timeout_ms: durationMs(cfg.frontend.subquery_timeout),
        max_query_parallelism: cfg.limits_config.max_query_parallelism,
        max_query_length_ms: durationMs(cfg.limits_config.max_query_length),
        max_in_flight: () => cfg.frontend.max_subqueries_in_flight || queriersSlots(),
      },
      {
        nc: p.nc,
        queue: await WorkQueue.open(p.nc, durationMs(cfg.querier.query_timeout), cfg.nats.replicas),
        metrics: p.metrics,
        cache: new FrontendCache(
          cfg.query_range.cache_results
            ? await ResultsCache.open(p.nc, {
                ttlMs: durationMs(cfg.query_range.results_cache.ttl),
                maxBytes: cfg.query_range.results_cache.max_size_mb * 1024 * 1024,
                replicas: cfg.nats.replicas,
              })
            : undefined,
          durationMs(cfg.limits_config.max_cache_freshness_per_query),
          p.metrics,
          (tenant) => deletes.generation(tenant, p.runtime.limits(tenant).deletion_mode !== 'disabled'),
        ),
      },
    );
    frontend.start();
    return {
      stop: () => {
        frontend.stop();
        deletes.stop();
      },
    };
  },

  async ingester(p) {
    const { cfg } = p;
    const i = cfg.ingester;
    const ttl = durationMs(i.lease_ttl);
    const replicas = cfg.nats.replicas;
    // replays read on a connection of their own: a backlog in flight cannot delay a push's ack
    const readNc = await connectBus(cfg.nats.url, `${p.id}-ingest`);
    p.onStop(() => readNc.drain().catch(() => undefined));
    watchConnection(readNc, p.log.child({ connection: 'ingest' }));
    const store = await openObjectStore(p.storage);
    p.onStop(() => store.close());
    const ingester = new Ingester(
      {
        id: p.id,
        partitions: cfg.distributor.partitions,
        lease_ttl_ms: ttl,
        chunk_target_size: i.chunk_target_size,
        chunk_block_size: i.chunk_block_size,
        chunk_encoding: i.chunk_encoding,
        max_chunk_age_ms: durationMs(i.max_chunk_age),
        chunk_idle_period_ms: durationMs(i.chunk_idle_period),
        chunk_retain_period_ms: durationMs(i.chunk_retain_period),
        flush_check_period_ms: durationMs(i.flush_check_period),
        flush_on_shutdown: i.flush_on_shutdown,
        concurrent_flushes: i.concurrent_flushes,
      },
      {
        nc: p.nc,
        log: await IngestLog.open(readNc, ingestLogOptions(cfg)),
        budget: new ByteBudget(i.max_read_bytes_in_flight),
        checkpoints: await Checkpoints.open(p.nc, replicas),
        leases: await Leases.open(p.nc, { ttlMs: ttl, replicas }),
        // placement counts an ingester only while its heartbeats are fresher than a lease: a
        // dead or frozen one is out of it as soon as its leases can be taken
        liveIngesters: () => {
          const since = Date.now() - ttl;
          return p.members.liveNow().filter((m) => m.roles.includes('ingester') && (m.heartbeatAt ?? 0) > since).map((m) => m.id);
        },
        store,
        index: new IndexWriter({ store, writerId: p.id }),
        metrics: p.metrics,
        logger: p.log.child({ role: 'ingester' }),
      },
    );
    await p.members.live(); // the ingesters placing partitions must be known before any is taken
    await ingester.start();
    return {
      stop: () => ingester.stop(),
      status: () => ingester.status(),
      notReady: () => {
        const waiting = ingester.waiting();
        if (waiting.length) return `Ingester not ready: waiting to take partitions ${waiting.join(', ')} (handed over by their owners, or free once their leases expire)`;
        const replaying = ingester.replaying();
        if (!replaying.length) return undefined;
        const left = replaying.map((r) => `${r.partition}:${r.lag}`).join(' ');
        return `Ingester not ready: replaying the ingest log, ${replaying.length} partitions behind (partition:messages left) ${left}`;
      },
    };
  },

  async compactor(p) {
    const c = p.cfg.compactor;
    const workDir = c.working_directory || join(p.dataDir, 'compactor');
    // what a compactor killed mid-merge left behind: nothing in it is needed
    await rm(workDir, { recursive: true, force: true });
    const store = await openObjectStore(p.storage);
    p.onStop(() => store.close());
    const compactor = new Compactor(
      {
        id: p.id,
        compaction_interval_ms: durationMs(c.compaction_interval),
        index_delete_delay_ms: durationMs(c.index_delete_delay),
        retention_delete_delay_ms: durationMs(c.retention_delete_delay),
        working_directory: workDir,
        delete_request_cancel_period_ms: durationMs(c.delete_request_cancel_period),
        chunk_block_size: p.cfg.ingester.chunk_block_size,
        chunk_encoding: p.cfg.ingester.chunk_encoding,
      },
      {
        store,
        lease: await CompactorLease.open(p.nc, { ttlMs: durationMs(c.lease_ttl), replicas: p.cfg.nats.replicas }),
        requests: await DeleteRequests.open(p.nc, p.cfg.nats.replicas),
        deletionMode: (tenant) => p.runtime.limits(tenant).deletion_mode,
        metrics: p.metrics,
        log: p.log.child({ role: 'compactor' }),
        // each tenant's retention as the runtime config has it at each run
        retention: c.retention_enabled ? new Retention((tenant) => p.runtime.limits(tenant)) : undefined,
      },
    );
    await compactor.start();
    return { stop: () => compactor.stop(), status: () => compactor.status() };
  },
};

/** The order roles start in: what others push into or ask first, the ingester (which needs its member entry) last but the compactor. */
export const START_ORDER: Role[] = ['distributor', 'gateway', 'querier', 'frontend', 'ingester', 'compactor'];

export const ingestLogOptions = (cfg: Config) => ({
  duplicateWindowMs: durationMs(cfg.distributor.duplicate_window),
  maxBytes: cfg.distributor.ingest_log_max_bytes,
  replicas: cfg.nats.replicas,
});

/**
 * The distributor pushes of this process go through, on the process's own connection, with each
 * tenant's limits as the runtime config has them now.
 */
export async function openDistributor(p: Pick<NodeParts, 'cfg' | 'nc' | 'metrics' | 'members' | 'runtime'>): Promise<Distributor> {
  const { cfg } = p;
  const log = await IngestLog.open(p.nc, ingestLogOptions(cfg));
  await p.members.live();
  const cluster = new ClusterView(() => p.members.liveNow());
  const global = cfg.limits_config.ingestion_rate_strategy === 'global';
  return new Distributor(
    log,
    {
      partitions: cfg.distributor.partitions,
      limits: (tenant) => p.runtime.limits(tenant),
      rateShare: global ? () => 1 / cluster.distributors() : () => 1,
      clusterStreams: (tenant) => cluster.tenantStreams(tenant),
      out_of_order_window_ms: durationMs(cfg.ingester.max_chunk_age) / 2,
      stream_idle_ms: durationMs(cfg.ingester.chunk_idle_period),
      append_timeout_ms: durationMs(cfg.ingester_client.remote_timeout),
    },
    p.metrics,
  );
}
