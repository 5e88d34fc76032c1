// `muninn status`: gathers what one look at the cluster needs (NATS, members, partition owners
// and lag, the query queue, the object store), prints it (status-report.ts) as text or --json,
// again every 2 s with --watch, and exits 1 when something is wrong, saying what.
import { join, resolve } from 'node:path';
import type { NatsConnection } from 'nats';
import {
  Checkpoints,
  CompactorLease,
  IngestLog,
  Leases,
  Members,
  connectBus,
  jetStreamStatus,
  leaseOf,
  natsAnswers,
  queueStatus,
  type BucketView,
  type Lease,
  type Member,
} from '../bus/index.ts';
import { durationMs, type Config } from '../config/index.ts';
import { openObjectStore, type ObjectInfo, type ObjectStore, type StorageConfig } from '../storage/index.ts';
import { problemsOf, renderText, type CompactorStatus, type IngesterStatus, type PartitionStatus, type Status, type StoreStatus } from './status-report.ts';

export interface StatusOptions {
  json: boolean;
  watch: boolean;
  /** Lag over this many messages is a problem. */
  maxLag: number;
}

const WATCH_MS = 2000;
/** Keys listed at most: a status must stay quick on a bucket of millions of chunks. */
const STORE_LIST_LIMIT = 200_000;
/** With --watch the store is listed again at most this often. */
const STORE_EVERY_MS = 30_000;

/** Takes status's own flags (--json, --watch, --max-lag=N) out of args; the rest configure. */
export function statusOptions(args: string[]): { opts: StatusOptions; rest: string[] } {
  const opts: StatusOptions = { json: false, watch: false, maxLag: 100_000 };
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = /^--?(json|watch|max-lag)(?:=(.*))?$/.exec(args[i]);
    if (!m) rest.push(args[i]);
    else if (m[1] === 'json') opts.json = m[2] !== 'false';
    else if (m[1] === 'watch') opts.watch = m[2] !== 'false';
    else {
      const v = m[2] ?? args[++i];
      opts.maxLag = Number(v);
      if (!Number.isSafeInteger(opts.maxLag) || opts.maxLag < 0) throw new Error(`--max-lag must be a whole number of messages, got ${JSON.stringify(v)}`);
    }
  }
  return { opts, rest };
}

/** Runs the command; resolves with the exit code (never, with --watch). */
export async function status(args: string[], configFrom: (args: string[]) => Config): Promise<number> {
  const { opts, rest } = statusOptions(args);
  const cfg = configFrom(rest);
  const sources = new Sources(cfg);
  try {
    for (;;) {
      const s = await sources.gather(opts.watch);
      const problems = problemsOf(s, opts.maxLag);
      if (opts.json) console.log(JSON.stringify({ ...s, problems }, null, opts.watch ? undefined : 2));
      else process.stdout.write(`${opts.watch ? '\x1b[2J\x1b[H' : ''}${renderText(s, problems)}\n`);
      if (!opts.watch) return problems.length ? 1 : 0;
      await new Promise((r) => setTimeout(r, WATCH_MS));
    }
  } finally {
    await sources.close();
  }
}

/** What status reads from, opened once and kept across --watch's draws. */
class Sources {
  private readonly urls: string[];
  private bus: Bus | undefined;
  private store: ObjectStore | undefined;
  private storeSeen: { at: number; status: StoreStatus } | undefined;

  constructor(private readonly cfg: Config) {
    this.urls = cfg.nats.url.split(',').map((u) => u.trim()).filter(Boolean);
  }

  async gather(watching: boolean): Promise<Status> {
    const errors: string[] = [];
    const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
      try {
        return await fn();
      } catch (err) {
        errors.push(`cannot read ${what}: ${(err as Error).message}`);
        return null;
      }
    };
    const servers = await Promise.all(this.urls.map(async (url) => ({ url, up: await natsAnswers(url) })));
    const up = servers.filter((s) => s.up).map((s) => s.url);
    if (!this.bus && up.length) this.bus = (await attempt('the bus', () => Bus.open(up.join(','), this.cfg))) ?? undefined;
    if (!up.length) errors.push('cannot read members, partitions or the query queue: no NATS server answers');
    const bus = up.length ? this.bus : undefined;
    const [jetstream, members, store] = await Promise.all([
      bus ? attempt('JetStream', () => jetStreamStatus(bus.nc)) : null,
      bus ? attempt('the members', () => bus.members.list()) : null,
      attempt('the object store', () => this.storeStatus(watching)),
    ]);
    const [partitions, queue, compactor] = await Promise.all([
      bus && members ? attempt('the partitions', () => bus.partitions(this.cfg.distributor.partitions, members)) : null,
      bus && members ? attempt('the query queue', () => queueStatus(bus.nc)) : null,
      bus && members ? attempt('the compactor', () => bus.compactor(members)) : null,
    ]);
    const now = Date.now();
    const info = bus?.nc.info;
    return {
      time: new Date(now).toISOString(),
      nats: {
        servers,
        connected: bus && info ? { name: info.server_name, version: info.version, cluster: info.cluster ?? null } : null,
        jetstream,
      },
      members:
        members &&
        members.map((m) => ({
          id: m.id,
          roles: m.roles,
          address: m.address,
          version: m.version,
          startedAt: m.startedAt,
          heartbeatAt: m.heartbeatAt ?? null,
          uptimeMs: now - m.startedAt,
          heartbeatAgoMs: m.heartbeatAt ? now - m.heartbeatAt : null,
          status: m.status ?? null,
        })),
      partitions,
      ingesters: members && partitions && ingestersOf(members, partitions),
      queue: queue && members ? { ...queue, queriers: members.filter((m) => m.roles.includes('querier')).length } : null,
      store,
      compactor,
      errors,
    };
  }

  private async storeStatus(watching: boolean): Promise<StoreStatus> {
    if (watching && this.storeSeen && Date.now() - this.storeSeen.at < STORE_EVERY_MS) return this.storeSeen.status;
    const storage: StorageConfig = {
      ...this.cfg.storage_config,
      filesystem: { directory: this.cfg.storage_config.filesystem.directory || join(resolve(this.cfg.common.path_prefix), 'store') },
    };
    this.store ??= await openObjectStore(storage);
    const objects = await this.store.list('', { limit: STORE_LIST_LIMIT });
    const location = storage.object_store === 's3' ? `bucket ${storage.aws.bucketnames.split(',')[0]}` : storage.filesystem.directory;
    const status = { kind: storage.object_store, location, ...storeTotals(objects), truncated: objects.length >= STORE_LIST_LIMIT };
    this.storeSeen = { at: Date.now(), status };
    return status;
  }

  async close(): Promise<void> {
    await this.bus?.nc.close().catch(() => undefined);
    await this.store?.close().catch(() => undefined);
  }
}

/** The bus handles status reads through, on one connection. */
class Bus {
  private constructor(
    readonly nc: NatsConnection,
    readonly members: Members,
    private readonly checkpoints: Checkpoints,
    private readonly log: IngestLog,
    private readonly leases: BucketView,
    private readonly compactorLease: CompactorLease,
  ) {}

  static async open(url: string, cfg: Config): Promise<Bus> {
    const nc = await connectBus(url, 'muninn-status');
    try {
      // opened as a node opens them, so a status run first on a new cluster makes them alike
      const replicas = cfg.nats.replicas;
      const log = await IngestLog.open(nc, { duplicateWindowMs: durationMs(cfg.distributor.duplicate_window), maxBytes: cfg.distributor.ingest_log_max_bytes, replicas });
      const leases = await Leases.open(nc, { ttlMs: durationMs(cfg.ingester.lease_ttl), replicas });
      const compactor = await CompactorLease.open(nc, { ttlMs: durationMs(cfg.compactor.lease_ttl), replicas });
      return new Bus(nc, await Members.open(nc, replicas), await Checkpoints.open(nc, replicas), log, leases.view(), compactor);
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  /** The compactor lease's holder, with what the holder says of its runs. */
  async compactor(members: Member[]): Promise<CompactorStatus> {
    const holder = await this.compactorLease.holder();
    const figures = (members.find((m) => m.id === holder?.owner)?.status?.compactor ?? {}) as Record<string, unknown>;
    const num = (k: string) => (typeof figures[k] === 'number' ? (figures[k] as number) : null);
    return {
      holder: holder?.owner ?? null,
      renewedAgoMs: holder ? Math.max(0, Date.now() - holder.renewedAt) : null,
      lastRunAt: num('lastRunAt'),
      lastRunMs: num('lastRunMs'),
      days: num('days'),
      filesMerged: num('filesMerged'),
      filesDeleted: num('filesDeleted'),
      filesMergedTotal: num('filesMergedTotal'),
      lastError: typeof figures.lastError === 'string' ? figures.lastError : null,
      pendingDeleteRequests: num('pendingDeleteRequests'),
      deletesError: typeof figures.deletesError === 'string' ? figures.deletesError : null,
      members: members.filter((m) => m.roles.includes('compactor')).length,
      retention: typeof figures.retention === 'object' && figures.retention !== null ? (figures.retention as CompactorStatus['retention']) : null,
    };
  }

  async partitions(count: number, members: Member[]): Promise<PartitionStatus[]> {
    await this.leases.relist();
    const leases = new Map<number, Lease>();
    for (const e of this.leases.current().values()) {
      const l = leaseOf(e.key, e.value, e.revision, e.created);
      if (l) leases.set(l.partition, l);
    }
    const ingesters = members.filter((m) => m.roles.includes('ingester'));
    // the owner's figures; for a partition without one, those of whichever ingester reads it
    const readerOf = (p: number, owner?: string) => ingesters.find((m) => m.id === owner) ?? (owner ? undefined : ingesters.find((m) => partitionsOf(m)[p]));
    const all = Array.from({ length: count }, (_, p) => p);
    const [heads, checkpoints] = await Promise.all([Promise.all(all.map((p) => this.log.lastSeq(p))), Promise.all(all.map((p) => this.checkpoints.get(p)))]);
    return all.map((p) => {
      const lease = leases.get(p);
      return {
        partition: p,
        owner: lease?.owner ?? null,
        ready: lease?.ready ?? false,
        head: heads[p],
        checkpoint: checkpoints[p].seq,
        lag: Math.max(0, heads[p] - (checkpoints[p].seq - 1)),
        unflushed: partitionsOf(readerOf(p, lease?.owner))[p]?.unflushed ?? null,
      };
    });
  }
}

type IngesterFigures = Record<string, { lag?: number; unflushed?: number; ready?: boolean }>;
const partitionsOf = (m: Member | undefined): IngesterFigures => (m?.status?.partitions ?? {}) as IngesterFigures;

function ingestersOf(members: Member[], partitions: PartitionStatus[]): IngesterStatus[] {
  return members
    .filter((m) => m.roles.includes('ingester'))
    .map((m) => ({
      id: m.id,
      streams: typeof m.status?.streams === 'number' ? m.status.streams : null,
      reading: Object.keys(partitionsOf(m)).length,
      leases: partitions.filter((p) => p.owner === m.id).length,
    }));
}

/** Chunks are `<tenant>/chunks/...`, index files `index/<tenant>/<day>/<file>.db` (storage/). */
const CHUNK = /^([^/]+)\/chunks\//;
const INDEX = /^index\/([^/]+)\/\d{4}-\d{2}-\d{2}\/[^/]+\.db$/;

export function storeTotals(objects: ObjectInfo[]): Pick<StoreStatus, 'objects' | 'chunks' | 'index' | 'other' | 'tenants'> {
  const chunks = { count: 0, bytes: 0 };
  const index = { count: 0, bytes: 0 };
  const other = { count: 0, bytes: 0 };
  const tenants = new Set<string>();
  for (const o of objects) {
    const i = INDEX.exec(o.key);
    const c = i ? null : CHUNK.exec(o.key);
    const into = i ? index : c ? chunks : other;
    into.count++;
    into.bytes += o.size;
    if (i || c) tenants.add((i ?? c)![1]);
  }
  return { objects: objects.length, chunks, index, other, tenants: tenants.size };
}
