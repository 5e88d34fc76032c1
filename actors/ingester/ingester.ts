// Owns partitions of the ingest log: replays each from its checkpoint, routes entries to stream
// actors, flushes their chunks, and advances checkpoints only once chunks and index are durable.
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import {
  decodeIngestBatch,
  serveIngesterQueries,
  serveIngesterVolumes,
  CheckpointFencedError,
  type ByteBudget,
  type Checkpoints,
  type Leases,
  type IngestLog,
  type IngesterAnswer,
  type IngesterQuery,
  type IngesterVolumeAnswer,
  type IngesterVolumeQuery,
  type IngestStream,
} from '../../bus/index.ts';
import type { ChunkEncoding } from '../../config/index.ts';
import type { EntryBatch } from '../../model/batch.ts';
import { inShard } from '../../model/fingerprint.ts';
import { parseLabels, type Labels } from '../../model/labels.ts';
import { remembered } from '../../model/remember.ts';
import { Scratch } from '../../model/scratch.ts';
import { Windows } from '../../model/windows.ts';
import type { IndexWriter } from '../../storage/index.ts';
import type { ObjectStore } from '../../storage/index.ts';
import type { Metrics } from '../metrics.ts';
import { breather } from './breathe.ts';
import { firstEntries } from './first-entries.ts';
import { flushReason, type FlushLimits, type FlushReason } from './flush.ts';
import { Ownership } from './ownership.ts';
import { Partition } from './partition.ts';
import { STALL_MS, stalledReaders } from './reader-watch.ts';
import { writeChunks, type FlushItem } from './write-chunks.ts';
import { StreamActor } from './stream.ts';
import { StreamIndex } from './stream-index.ts';
import { streamVolumes } from './volume.ts';
import { TailPublisher } from './tail-publish.ts';

export interface IngesterOptions extends FlushLimits {
  id: string;
  /** P, the ingest log's partitions (distributor.partitions). */
  partitions: number;
  lease_ttl_ms: number;
  chunk_block_size: number;
  chunk_encoding: ChunkEncoding;
  chunk_retain_period_ms: number;
  flush_check_period_ms: number;
  flush_on_shutdown: boolean;
  concurrent_flushes: number;
}

export interface IngesterDeps {
  /** For queriers' questions. */
  nc: NatsConnection;
  /** The ingest log on a connection of the ingester's own, so a replay cannot crowd out pushes. */
  log: IngestLog;
  /** Bytes the replays of this process may have in flight at once. */
  budget: ByteBudget;
  checkpoints: Checkpoints;
  leases: Leases;
  /** Ids of the ingesters alive now (from muninn-members). */
  liveIngesters: () => string[];
  store: ObjectStore;
  index: IndexWriter;
  metrics: Metrics;
  logger: Logger;
}

/** A partition this many messages behind the log's head is named to queriers, who warn of it. */
const BEHIND_MESSAGES = 100;

/** A partition's log is purged below its checkpoint at most this often. */
const PURGE_EVERY_MS = 30_000;

/** How a failed flush round waits before the next try: doubling from the check period up to this. */
const MAX_FLUSH_BACKOFF_MS = 10_000;

export class Ingester {
  private readonly streams = new Map<string, StreamActor>();
  /** Streams in memory per tenant, for the member status (max_global_streams_per_user). */
  private readonly tenantStreams = new Map<string, number>();
  /** The same streams by tenant and labels, for queries. */
  private readonly byLabels = new StreamIndex<StreamActor>();
  private readonly partitions = new Map<number, Partition>();
  private readonly labelsOf = remembered(parseLabels, 100_000);
  /** Where messages' lines are decoded: stream heads copy them before the next message. */
  private readonly lineScratch = new Scratch();
  /** Partitions whose reader is retrying after a failure. */
  private readonly troubled = new Set<number>();
  private ticker: NodeJS.Timeout | undefined;
  private watcher: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private flushFailures = 0;
  private stopped = false;
  /** When the log was last purged. */
  private purgedAt = 0;
  private stopQueries: (() => void) | undefined;
  private stopVolumes: (() => void) | undefined;
  private ownership!: Ownership;
  private tails: TailPublisher | undefined;

  constructor(
    private readonly opts: IngesterOptions,
    private readonly deps: IngesterDeps,
  ) {}

  /**
   * Starts taking the partitions placed on this ingester by lease (ownership.ts) and replaying
   * each from its checkpoint; resolves once the first claims are made, not when they have caught
   * up (see caughtUp and readiness).
   */
  async start(): Promise<void> {
    this.stopQueries = serveIngesterQueries(this.deps.nc, this.opts.id, (q) => this.query(q));
    this.stopVolumes = serveIngesterVolumes(this.deps.nc, this.opts.id, (q) => this.volumes(q));
    this.tails = new TailPublisher(this.deps.nc);
    this.tails.start();
    this.scheduleFlush();
    this.watcher = setInterval(() => void this.watchReaders().catch((err) => this.deps.logger.warn({ err }, 'watching the ingest-log readers failed')), STALL_MS / 3);
    this.ownership = new Ownership(
      { id: this.opts.id, partitions: this.opts.partitions, ttl_ms: this.opts.lease_ttl_ms },
      {
        leases: this.deps.leases,
        view: this.deps.leases.view(),
        liveIngesters: this.deps.liveIngesters,
        logger: this.deps.logger,
        hooks: {
          take: (p) => this.take(p),
          handOff: (p) => this.handOff(p),
          drop: (p) => this.drop(p),
          isReady: (p) => this.partitions.get(p)?.ready === true,
        },
      },
    );
    await this.ownership.start();
  }

  /** A partition just claimed: fence its previous owner's checkpoint writes, then replay from it. */
  private async take(p: number): Promise<void> {
    const [cp, head] = await Promise.all([this.deps.checkpoints.get(p), this.deps.log.lastSeq(p)]);
    const revision = await this.deps.checkpoints.set(p, cp, cp.revision);
    const part = new Partition(p, cp, head, revision);
    this.partitions.set(p, part);
    this.readFrom(part, cp.seq);
    void part.whenReady().then(() => {
      // tell queriers at once rather than at the next renewal
      if (!part.dropped) void this.ownership.renew(p);
    });
  }

  /** Starts the partition's reader at `seq`. */
  private readFrom(part: Partition, seq: number): void {
    const p = part.id;
    const log = this.deps.logger;
    part.reader = this.deps.log.read(p, seq, this.deps.budget, {
      message: (m) => {
        if (part.dropped) return;
        this.onMessage(part, m.seq, m.data);
        part.read(m.seq, m.pending);
      },
      idle: () => part.idle(),
      trouble: (err) => {
        // one line per outage, not one per partition
        if (this.troubled.size === 0) log.warn({ err, partition: p }, 'reading the ingest log failed; retrying');
        this.troubled.add(p);
      },
      recovered: () => {
        this.troubled.delete(p);
        if (this.troubled.size === 0) log.info('reading the ingest log again');
      },
    });
  }

  /** Reads anew, from where they stood, the partitions whose readers are stuck (reader-watch.ts). */
  private async watchReaders(): Promise<void> {
    for (const part of await stalledReaders(this.partitions.values(), (p) => this.deps.log.lastSeq(p))) {
      if (part.dropped || this.partitions.get(part.id) !== part) continue;
      const old = part.reader!;
      this.deps.logger.warn({ partition: part.id, next: old.next, reader: old.state, quietMs: Date.now() - part.progressAt }, 'an ingest-log reader made no progress with messages waiting; reading the partition anew');
      this.deps.metrics.readerRestarts.inc();
      this.troubled.delete(part.id);
      part.progressAt = Date.now();
      void old.stop();
      this.readFrom(part, part.consumed + 1);
    }
  }

  /**
   * Before a partition's lease is released: stop reading it, flush every stream it holds, write
   * its checkpoint, and forget it. Runs between flush rounds, never inside one.
   */
  private handOff(p: number): Promise<void> {
    const part = this.partitions.get(p);
    if (!part) return Promise.resolve();
    const done = this.flushing.then(async () => {
      const reader = part.reader;
      part.reader = undefined; // not read again (reader-watch.ts) while its streams flush
      await reader?.stop();
      const of = (s: StreamActor) => s.partition === p;
      await this.flushRound((s) => (of(s) && s.headEntries ? 'not_owned' : undefined), [p]);
      part.dropped = true;
      this.partitions.delete(p);
      this.forget(of);
    });
    this.flushing = done.catch(() => undefined);
    return done;
  }

  /** A partition whose lease was lost: from now on nothing is read, answered or written for it. */
  private drop(p: number): void {
    const part = this.partitions.get(p);
    if (!part) return;
    part.dropped = true;
    this.partitions.delete(p);
    void part.reader?.stop();
    // after the round in progress, which skips it from its next write on
    this.flushing = this.flushing.then(() => this.forget((s) => s.partition === p && !this.partitions.has(p)));
  }

  /** Removes the streams `which` picks from memory (their partition has gone elsewhere). */
  private forget(which: (s: StreamActor) => boolean): void {
    for (const [key, s] of this.streams)
      if (which(s)) {
        this.streams.delete(key);
        this.byLabels.remove(s);
        this.deps.metrics.memoryStreams.dec({ tenant: s.tenant });
        this.countStreams(s.tenant, -1);
      }
  }

  /** The partitions placed here but not held yet (waiting for a hand-over or a lease to expire). */
  waiting(): number[] {
    return this.ownership.missing();
  }

  /** The partitions still replaying, with the messages each has left to read. */
  replaying(): Array<{ partition: number; lag: number }> {
    return [...this.partitions.values()].filter((p) => !p.ready).map((p) => ({ partition: p.id, lag: p.lag }));
  }

  private onMessage(part: Partition, seq: number, data: Uint8Array): void {
    let batch;
    try {
      batch = decodeIngestBatch(data, this.labelsOf, this.lineScratch);
    } catch (err) {
      this.deps.logger.error({ err, partition: part.id, seq }, 'undecodable ingest-log message skipped');
      return;
    }
    const now = Date.now();
    // live tails get what a caught-up partition reads: a replayed message was fed to them by the
    // owner that read it first, or is history a tail asks the store and the ingesters for
    const accepted: IngestStream[] | undefined = part.ready && this.tails?.wanted(batch.tenant) ? [] : undefined;
    for (const s of batch.streams) if (this.streamFor(batch.tenant, s, part).append(s.batch, seq, now)) accepted?.push(s);
    if (accepted) this.tails!.publish(batch, data, accepted);
  }

  private streamFor(tenant: string, s: IngestStream, part: Partition): StreamActor {
    const key = `${tenant}/${s.fp}`;
    let actor = this.streams.get(key);
    if (!actor) {
      actor = new StreamActor(tenant, s.fp, s.batch.labels, s.labels, part.id, part.flushed.get(s.fp) ?? 0, this.opts.chunk_block_size);
      this.streams.set(key, actor);
      this.byLabels.add(actor);
      this.deps.metrics.memoryStreams.inc({ tenant });
      this.countStreams(tenant, 1);
    }
    return actor;
  }

  /**
   * One flush round at a time: a slow store delays the next round instead of piling them up. A
   * failed round leaves its chunks with their streams and the checkpoints where they were, and
   * is tried again after a pause that doubles with each failure.
   */
  private scheduleFlush(): void {
    if (this.stopped) return;
    const wait = this.flushFailures
      ? Math.min(MAX_FLUSH_BACKOFF_MS, this.opts.flush_check_period_ms * 2 ** this.flushFailures)
      : this.opts.flush_check_period_ms;
    this.ticker = setTimeout(() => {
      // after what is queued (a hand-over's round): two rounds at once would write the same chunks
      // and move a partition's checkpoint from two places at one revision
      this.flushing = this.flushing.then(() => this.flushRound((s, now) => this.due(s, now))).then(
        () => {
          if (this.flushFailures) this.deps.logger.info({ attempts: this.flushFailures + 1 }, 'flushing works again');
          this.flushFailures = 0;
        },
        (err) => {
          this.flushFailures++;
          this.deps.metrics.flushFailures.inc();
          this.deps.logger.error({ err, failures: this.flushFailures }, 'flushing chunks failed; checkpoints stay, retrying');
        },
      );
      void this.flushing.then(() => this.scheduleFlush());
    }, wait);
  }

  /** Why a stream's head is due to be cut now, if it is. */
  private due(s: StreamActor, now: number): FlushReason | undefined {
    return flushReason({ compressedBytes: s.compressedBytes(this.opts.chunk_target_size), entries: s.headEntries, firstAppendAt: s.firstAppendAt, lastAppendAt: s.lastAppendAt }, now, this.opts);
  }

  /**
   * Cuts the chunks `pick` names (and writes again any a failed round left), writes them, then
   * moves the checkpoints of `only` (default: every partition). Streams of a partition whose
   * lease is not known to be valid are left alone: a frozen owner must renew before it writes.
   */
  private async flushRound(pick: (s: StreamActor, now: number) => FlushReason | undefined, only?: number[]): Promise<void> {
    const now = Date.now();
    const items: FlushItem[] = [];
    const breathe = breather();
    const lapsed = new Set<number>();
    for (const s of this.streams.values()) {
      await breathe();
      if (!this.partitions.has(s.partition) || (only && !only.includes(s.partition))) continue;
      if (!this.ownership.valid(s.partition)) {
        lapsed.add(s.partition);
        continue;
      }
      if (s.flushing) {
        items.push({ stream: s, chunk: s.flushing, reason: s.flushReason ?? 'idle' });
        continue;
      }
      const reason = pick(s, now);
      if (!reason) continue;
      s.flushReason = reason;
      items.push({ stream: s, chunk: s.cut(), reason });
    }
    for (const p of lapsed) void this.ownership.renew(p);
    if (items.length) {
      await writeChunks(items, this.deps.store, this.deps.index, this.opts);
      const retainUntil = Date.now() + this.opts.chunk_retain_period_ms;
      for (const it of items) {
        it.stream.flushed(it.chunk, retainUntil);
        this.partitions.get(it.stream.partition)?.flushed.set(it.stream.fp, it.stream.flushedSeq);
        this.deps.metrics.chunksFlushed.inc({ reason: it.reason });
      }
    }
    this.forget((s) => s.expire(now));
    await this.advanceCheckpoints(only);
  }

  /** A partition's checkpoint is the oldest sequence some stream still holds unflushed. */
  private async advanceCheckpoints(only?: number[]): Promise<void> {
    const oldest = new Map<number, number>();
    for (const s of this.streams.values()) {
      const m = s.minUnflushedSeq();
      if (m !== undefined) oldest.set(s.partition, Math.min(oldest.get(s.partition) ?? Infinity, m));
    }
    await Promise.all(
      [...this.partitions].map(async ([p, part]) => {
        if ((only && !only.includes(p)) || !this.ownership.valid(p)) return;
        const seq = Math.min(part.consumed + 1, oldest.get(p) ?? Infinity);
        for (const [fp, f] of part.flushed) if (f < seq) part.flushed.delete(fp);
        // the log's head minus the checkpoint: what a replay from here would read
        this.deps.metrics.partitionLag.set({ partition: String(p) }, part.lag + part.consumed + 1 - seq);
        if (seq !== part.written) {
          try {
            part.revision = await this.deps.checkpoints.set(p, { seq, flushed: Object.fromEntries(part.flushed) }, part.revision);
          } catch (err) {
            // another owner has written since: the partition is not ours any more
            if (err instanceof CheckpointFencedError) return this.ownership.lost(p, err);
            throw err;
          }
          part.written = seq;
        }
      }),
    );
    // the log is purged below every partition's checkpoint, this ingester's or not: seldom, and
    // once more when stopping; a purge that fails is tried again next time
    if (!this.stopped && Date.now() - this.purgedAt < PURGE_EVERY_MS) return;
    this.purgedAt = Date.now();
    await this.deps.log.purgeConsumed(this.opts.partitions, async (p) => (await this.deps.checkpoints.get(p)).seq).catch(() => undefined);
  }

  /**
   * Entries held in memory for one tenant's matching streams, for queriers, from the partitions
   * this ingester holds, has caught up on and may still answer for; those partitions come back too.
   */
  private query(q: IngesterQuery): IngesterAnswer {
    const { partitions, behind } = this.coverage();
    return { partitions, behind, streams: this.streamsFor(q, new Set(partitions)) };
  }

  /** The partitions this ingester may answer for now, and those of them far behind the log. */
  private coverage(): { partitions: number[]; behind: Array<[number, number]> } {
    const covered = [...this.partitions.values()].filter((p) => p.ready && this.ownership.valid(p.id));
    // a reader failing to read (a NATS server lost, a consumer moving) falls behind unseen: its lag is unknown
    const behind = covered.filter((p) => this.troubled.has(p.id) || p.lag > BEHIND_MESSAGES).map((p): [number, number] => [p.id, this.troubled.has(p.id) ? -1 : p.lag]);
    return { partitions: covered.map((p) => p.id), behind };
  }

  /** Counts of what memory holds of one tenant's matching streams, per window (volume.ts), for index stats and log volume. */
  private volumes(q: IngesterVolumeQuery): IngesterVolumeAnswer {
    const { partitions, behind } = this.coverage();
    const covered = new Set(partitions);
    const streams = this.byLabels.select(q.tenant, q.matchers).filter((s) => covered.has(s.partition));
    return { partitions, behind, streams: streamVolumes(streams, new Windows(BigInt(q.start), BigInt(q.end), BigInt(q.step))) };
  }

  private streamsFor(q: IngesterQuery, covered: Set<number>): IngestStream[] {
    const found: Array<{ s: StreamActor; batch: EntryBatch }> = [];
    for (const s of this.byLabels.select(q.tenant, q.matchers)) {
      if (!covered.has(s.partition) || !inShard(s.fp, q.shard)) continue;
      const batch = s.read(BigInt(q.start), BigInt(q.end));
      if (batch) found.push({ s, batch });
    }
    if (q.seriesOnly) return found.map(({ s }) => ({ fp: s.fp, labels: s.labelsText, batch: emptyBatch(s.labels) }));
    if (q.limit === undefined) return found.map(({ s, batch }) => ({ fp: s.fp, labels: s.labelsText, batch }));
    const kept = firstEntries(found.map((f) => f.batch), q.limit, q.direction ?? 'backward');
    return found.flatMap(({ s }, i) => (kept[i].ts.length ? [{ fp: s.fp, labels: s.labelsText, batch: kept[i] }] : []));
  }

  private countStreams(tenant: string, by: number): void {
    const n = (this.tenantStreams.get(tenant) ?? 0) + by;
    if (n > 0) this.tenantStreams.set(tenant, n);
    else this.tenantStreams.delete(tenant);
  }

  /**
   * Figures for `muninn status`: per partition, the messages left to read (`lag`) and those read
   * but not yet durable in the store (`unflushed`), and whether its replay has caught up; and
   * `tenantStreams`, streams in memory per tenant, heartbeated so that distributors can hold a
   * tenant to max_global_streams_per_user without asking anyone on the push path.
   */
  status(): Record<string, unknown> {
    return {
      streams: this.streams.size,
      tenantStreams: Object.fromEntries(this.tenantStreams),
      partitions: Object.fromEntries(
        [...this.partitions].map(([p, s]) => [p, { lag: s.lag, unflushed: s.consumed + 1 - s.written, ready: s.ready }]),
      ),
    };
  }

  /**
   * Hands every partition over to the other live ingesters (each flushed and checkpointed first);
   * with none left, a last round (everything, with flush_on_shutdown) writes the checkpoints and
   * the leases are released, so a restart or another ingester takes them at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearTimeout(this.ticker);
    if (this.watcher) clearInterval(this.watcher);
    const others = this.deps.liveIngesters().some((id) => id !== this.opts.id);
    if (!others) {
      await Promise.all([...this.partitions.values()].map((s) => s.reader?.stop()));
      await this.flushing;
      const last = this.opts.flush_on_shutdown ? (s: StreamActor) => (s.headEntries ? 'forced' : undefined) : (s: StreamActor, now: number) => this.due(s, now);
      await this.flushRound(last).catch((err) => this.deps.logger.error({ err }, 'the last flush round failed; the ingest log keeps its lines'));
    }
    await this.ownership.stop(others);
    this.stopQueries?.();
    this.stopVolumes?.();
    this.tails?.stop();
  }
}

const emptyBatch = (labels: Labels): EntryBatch => ({
  labels,
  ts: new BigInt64Array(0),
  lines: Buffer.alloc(0),
  offsets: new Uint32Array(1),
});
