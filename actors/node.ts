// A Muninn process: connects to NATS and hosts the roles its target names, as Loki's -target.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { stringify } from 'yaml';
import {
  Checkpoints,
  IngestLog,
  Members,
  connectBus,
  servePush,
  WorkQueue,
  type Member,
} from '../bus/index.ts';
import { durationMs, type Config } from '../config/index.ts';
import { IndexReader, IndexWriter, openObjectStore, type ObjectStore } from '../storage/index.ts';
import { Distributor } from './distributor/distributor.ts';
import { Frontend } from './frontend/frontend.ts';
import { Gateway } from './gateway/gateway.ts';
import { Ingester } from './ingester/ingester.ts';
import { createMetrics } from './metrics.ts';
import { Querier } from './querier/querier.ts';

export const ROLES = ['gateway', 'distributor', 'ingester', 'frontend', 'querier'] as const;
export type Role = (typeof ROLES)[number];

export const VERSION = '0.1.0';

export function rolesOf(target: string): Role[] {
  const names = target.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return [...ROLES];
  for (const n of names) if (!ROLES.includes(n as Role)) throw new Error(`unknown target ${n}; known: all, ${ROLES.join(', ')}`);
  return names as Role[];
}

export interface MuninnNode {
  id: string;
  roles: Role[];
  /** The HTTP port: Loki's API when this node runs the gateway, /metrics and /ready always. */
  port: number;
  ready(): boolean;
  stop(): Promise<void>;
}

/** A stable id per data directory, so an ingester's index files keep their name across restarts. */
function nodeIdOf(dataDir: string): string {
  const file = join(dataDir, 'node-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const id = `muninn-${randomUUID().slice(0, 8)}`;
    writeFileSync(file, id + '\n');
    return id;
  }
}

export async function startNode(cfg: Config, logger: Logger = pino({ level: 'info' })): Promise<MuninnNode> {
  const roles = rolesOf(cfg.target);
  const dataDir = resolve(cfg.common.path_prefix);
  mkdirSync(dataDir, { recursive: true });
  const id = nodeIdOf(dataDir);
  const log = logger.child({ node: id });
  const metrics = createMetrics();
  const nc = await connectBus(cfg.nats.url, id);
  const stops: Array<() => Promise<void> | void> = [];
  const up = new Set<Role>();
  let store: ObjectStore | undefined;
  const has = (r: Role) => roles.includes(r);

  try {
    if (has('ingester') || has('querier')) {
      store = openObjectStore({
        ...cfg.storage_config,
        filesystem: { directory: cfg.storage_config.filesystem.directory || join(dataDir, 'store') },
      });
      const s = store;
      stops.push(() => s.close());
    }
    const ingestLog =
      has('gateway') || has('distributor') || has('ingester')
        ? await IngestLog.open(nc, { duplicateWindowMs: durationMs(cfg.distributor.duplicate_window), maxBytes: cfg.distributor.ingest_log_max_bytes })
        : undefined;
    const limits = () => cfg.limits_config;
    const distributor = ingestLog ? new Distributor(ingestLog, { partitions: cfg.distributor.partitions, limits }, metrics) : undefined;
    const members = await Members.open(nc);

    if (has('distributor') && distributor) {
      const stop = servePush(nc, (tenant, streams) =>
        distributor.push(tenant, streams.map((s) => ({ labels: s.labels, entries: s.entries.map(([ts, line, metadata]) => ({ ts: BigInt(ts), line, metadata })) }))),
      );
      stops.push(stop);
      up.add('distributor');
    }

    let ingester: Ingester | undefined;
    if (has('ingester')) {
      const i = cfg.ingester;
      ingester = new Ingester(
        {
          id,
          partitions: Array.from({ length: cfg.distributor.partitions }, (_, p) => p),
          chunk_target_size: i.chunk_target_size,
          chunk_block_size: i.chunk_block_size,
          max_chunk_age_ms: durationMs(i.max_chunk_age),
          chunk_idle_period_ms: durationMs(i.chunk_idle_period),
          chunk_retain_period_ms: durationMs(i.chunk_retain_period),
          flush_check_period_ms: durationMs(i.flush_check_period),
          flush_on_shutdown: i.flush_on_shutdown,
          concurrent_flushes: i.concurrent_flushes,
        },
        {
          nc,
          log: ingestLog!,
          checkpoints: await Checkpoints.open(nc),
          store: store!,
          index: new IndexWriter({ dir: join(dataDir, 'index'), store: store!, writerId: id }),
          metrics,
          logger: log.child({ role: 'ingester' }),
        },
      );
      const ing = ingester;
      stops.push(() => ing.stop());
    }

    let queue: WorkQueue | undefined;
    if (has('querier') || has('frontend')) queue = await WorkQueue.open(nc, durationMs(cfg.querier.query_timeout));

    if (has('querier')) {
      const querier = new Querier(
        { id, max_concurrent: cfg.querier.max_concurrent, max_query_series: cfg.limits_config.max_query_series },
        {
          nc,
          queue: queue!,
          members,
          store: store!,
          index: new IndexReader({ store: store!, cacheDir: join(dataDir, 'index-cache') }),
          ingesterTimeoutMs: durationMs(cfg.querier.ingester_query_timeout),
        },
      );
      querier.start();
      stops.push(() => querier.stop());
      up.add('querier');
    }

    if (has('frontend')) {
      const frontend = new Frontend(
        {
          split_queries_by_interval_ms: durationMs(cfg.query_range.split_queries_by_interval),
          max_retries: cfg.frontend.max_retries,
          subquery_timeout_ms: durationMs(cfg.frontend.subquery_timeout),
          parallelism: Math.max(2, cfg.querier.max_concurrent),
        },
        { nc, queue: queue!, metrics },
      );
      frontend.start();
      stops.push(() => frontend.stop());
      up.add('frontend');
    }

    // every process serves /metrics, /ready and /config; only the gateway role adds Loki's API
    let port = 0;
    {
      const gateway = new Gateway(
        {
          ...cfg.server,
          auth_enabled: cfg.auth_enabled,
          query_timeout_ms: durationMs(cfg.querier.query_timeout),
          max_entries_limit_per_query: cfg.limits_config.max_entries_limit_per_query,
        },
        {
          nc,
          distributor: has('gateway') ? distributor : undefined,
          metrics,
          ready: () => roles.every((r) => up.has(r)),
          configText: () => stringify(cfg),
          version: VERSION,
        },
      );
      // serve /ready and /metrics while the ingester replays; /ready says 503 until it is done
      port = await gateway.start();
      stops.push(() => gateway.stop());
      if (has('gateway')) up.add('gateway');
    }

    if (ingester) {
      await ingester.start();
      up.add('ingester');
    }

    const startedAt = Date.now();
    const member = (): Member => ({
      id,
      roles,
      address: `${cfg.server.http_listen_address}:${port}`,
      version: VERSION,
      startedAt,
      status: ingester?.status(),
    });
    await members.heartbeat(member());
    const beat = setInterval(() => members.heartbeat(member()).catch((err) => log.warn({ err }, 'heartbeat failed')), 5000);
    stops.push(async () => {
      clearInterval(beat);
      await members.leave(id);
    });
    log.info({ roles, port }, 'muninn node started');

    let stopping: Promise<void> | undefined;
    return {
      id,
      roles,
      port,
      ready: () => roles.every((r) => up.has(r)),
      stop: () =>
        (stopping ??= (async () => {
          up.clear();
          for (const s of stops.reverse()) await Promise.resolve(s()).catch((err) => log.error({ err }, 'stopping a role failed'));
          await nc.drain().catch(() => undefined);
          log.info('muninn node stopped');
        })()),
    };
  } catch (err) {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => undefined);
    await nc.close().catch(() => undefined);
    throw err;
  }
}
