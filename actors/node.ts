// A Muninn process: connects to NATS and hosts the roles its target names, as Loki's -target.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { stringify } from 'yaml';
import {
  ByteBudget,
  Checkpoints,
  IngestLog,
  Leases,
  MEMBER_TTL_MS,
  Members,
  connectBus,
  watchConnection,
  servePush,
  WorkQueue,
  type Member,
} from '../bus/index.ts';
import { durationMs, type Config } from '../config/index.ts';
import { IndexWriter, openObjectStore, type ObjectStore, type StorageConfig } from '../storage/index.ts';
import { Distributor } from './distributor/distributor.ts';
import { Frontend } from './frontend/frontend.ts';
import { Gateway } from './gateway/gateway.ts';
import { Ingester } from './ingester/ingester.ts';
import { createMetrics } from './metrics.ts';
import { QuerierThreads } from './querier/threads.ts';

export const ROLES = ['gateway', 'distributor', 'ingester', 'frontend', 'querier'] as const;
export type Role = (typeof ROLES)[number];

export const VERSION = '0.1.0';

/** How often a node heartbeats into muninn-members (entries live MEMBER_TTL_MS). */
const HEARTBEAT_MS = 5000;
/** A querier thread silent this long past the query timeout is stuck and is replaced. */
const STALL_GRACE_MS = 10_000;

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
  watchConnection(nc, log);
  const stops: Array<() => Promise<void> | void> = [];
  const up = new Set<Role>();
  let store: ObjectStore | undefined;
  const has = (r: Role) => roles.includes(r);
  let notReady = (): string | undefined => 'Not ready: starting';
  let stopping: Promise<void> | undefined;

  try {
    const storage: StorageConfig = {
      ...cfg.storage_config,
      filesystem: { directory: cfg.storage_config.filesystem.directory || join(dataDir, 'store') },
    };
    if (has('ingester')) {
      const s = (store = await openObjectStore(storage));
      stops.push(() => s.close());
    }
    const replicas = cfg.nats.replicas;
    const ingestLogOptions = { duplicateWindowMs: durationMs(cfg.distributor.duplicate_window), maxBytes: cfg.distributor.ingest_log_max_bytes, replicas };
    const ingestLog = has('gateway') || has('distributor') ? await IngestLog.open(nc, ingestLogOptions) : undefined;
    const limits = () => cfg.limits_config;
    const distributor = ingestLog ? new Distributor(ingestLog, { partitions: cfg.distributor.partitions, limits, append_timeout_ms: durationMs(cfg.ingester_client.remote_timeout) }, metrics) : undefined;
    const members = await Members.open(nc, replicas);
    stops.push(() => members.close());

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
      // replays read on a connection of their own: a backlog in flight cannot delay a push's ack
      const readNc = await connectBus(cfg.nats.url, `${id}-ingest`);
      stops.push(() => readNc.drain().catch(() => undefined));
      watchConnection(readNc, log.child({ connection: 'ingest' }));
      ingester = new Ingester(
        {
          id,
          partitions: cfg.distributor.partitions,
          lease_ttl_ms: durationMs(i.lease_ttl),
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
          log: await IngestLog.open(readNc, ingestLogOptions),
          budget: new ByteBudget(i.max_read_bytes_in_flight),
          checkpoints: await Checkpoints.open(nc, replicas),
          leases: await Leases.open(nc, { ttlMs: durationMs(i.lease_ttl), replicas }),
          // placement counts an ingester only while its heartbeats are fresher than a lease: a
          // dead or frozen one is out of it as soon as its leases can be taken
          liveIngesters: () => {
            const since = Date.now() - durationMs(i.lease_ttl);
            return members.liveNow().filter((m) => m.roles.includes('ingester') && (m.heartbeatAt ?? 0) > since).map((m) => m.id);
          },
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
    if (has('frontend')) queue = await WorkQueue.open(nc, durationMs(cfg.querier.query_timeout), replicas);

    if (has('querier')) {
      // queriers run in threads of their own: a heavy query takes another core, not this loop
      const queriers = new QuerierThreads(
        {
          cfg,
          nodeId: id,
          dataDir,
          storage,
          logLevel: logger.level,
          threads: cfg.querier.worker_threads,
          max_concurrent: cfg.querier.max_concurrent,
          stall_ms: durationMs(cfg.querier.query_timeout) + STALL_GRACE_MS,
        },
        log.child({ role: 'querier' }),
      );
      await queriers.start();
      stops.push(() => queriers.stop());
      up.add('querier');
    }

    if (has('frontend')) {
      const frontend = new Frontend(
        {
          split_queries_by_interval_ms: durationMs(cfg.query_range.split_queries_by_interval),
          max_retries: cfg.frontend.max_retries,
          subquery_timeout_ms: durationMs(cfg.frontend.subquery_timeout),
          max_query_parallelism: cfg.limits_config.max_query_parallelism,
          max_query_length_ms: durationMs(cfg.limits_config.max_query_length),
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
          notReady: () => notReady(),
          configText: () => stringify(cfg),
          version: VERSION,
        },
      );
      // serve /ready and /metrics while the ingester replays; /ready says 503 until it is done
      port = await gateway.start();
      stops.push(() => gateway.stop());
      if (has('gateway')) up.add('gateway');
    }

    // register first, so `muninn status` shows this node (and its replay's lag) while it catches up
    const startedAt = Date.now();
    let registeredAt = 0;
    const member = (): Member => ({
      id,
      roles,
      address: `${cfg.server.http_listen_address}:${port}`,
      version: VERSION,
      startedAt,
      status: ingester?.status(),
    });
    const beat = async () => {
      await members.heartbeat(member());
      registeredAt = Date.now();
    };
    await beat();
    // ingesters beat at least three times per lease TTL, so placement never takes a live one for dead
    const every = has('ingester') ? Math.min(HEARTBEAT_MS, durationMs(cfg.ingester.lease_ttl) / 3) : HEARTBEAT_MS;
    const beating = setInterval(() => beat().catch((err) => log.warn({ err }, 'heartbeat failed')), every);
    stops.push(async () => {
      clearInterval(beating);
      await members.leave(id);
    });

    if (ingester) {
      await members.live(); // the ingesters placing partitions must be known before any is taken
      await ingester.start();
      up.add('ingester');
    }
    log.info({ roles, port }, 'muninn node started');

    /** Why this node is not ready, or undefined when it is. */
    notReady = () => {
      if (Date.now() - registeredAt > MEMBER_TTL_MS) return 'Not ready: this node is not registered in muninn-members (is NATS reachable?)';
      const waiting = ingester?.waiting() ?? [];
      if (waiting.length) return `Ingester not ready: waiting to take partitions ${waiting.join(', ')} (handed over by their owners, or free once their leases expire)`;
      const replaying = ingester?.replaying() ?? [];
      if (replaying.length) {
        const left = replaying.map((r) => `${r.partition}:${r.lag}`).join(' ');
        return `Ingester not ready: replaying the ingest log, ${replaying.length} partitions behind (partition:messages left) ${left}`;
      }
      const starting = roles.filter((r) => !up.has(r));
      return starting.length ? `Not ready: waiting for ${starting.join(', ')} to start` : undefined;
    };

    return {
      id,
      roles,
      port,
      ready: () => notReady() === undefined,
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
