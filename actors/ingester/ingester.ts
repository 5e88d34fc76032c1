// Owns partitions of the ingest log: replays each from its checkpoint, routes entries to stream
// actors, flushes their chunks, and advances checkpoints only once chunks and index are durable.
import type { NatsConnection } from 'nats';
import {
  decodeIngestBatch,
  serveIngesterQueries,
  type Checkpoints,
  type IngestLog,
  type IngesterQuery,
  type IngestStream,
} from '../../bus/index.ts';
import type { EntryBatch, Labels } from '../../logql/batch.ts';
import { parseLabels } from '../../logql/labels.ts';
import { compileMatchers } from '../../logql/matchers.ts';
import type { IndexWriter } from '../../storage/index.ts';
import type { ObjectStore } from '../../storage/index.ts';
import type { Metrics } from '../metrics.ts';
import { flushReason, type FlushLimits, type FlushReason } from './flush.ts';
import { writeChunks, type FlushItem } from './write-chunks.ts';
import { StreamActor } from './stream.ts';

export interface IngesterOptions extends FlushLimits {
  id: string;
  partitions: number[];
  chunk_block_size: number;
  chunk_retain_period_ms: number;
  flush_check_period_ms: number;
  flush_on_shutdown: boolean;
  concurrent_flushes: number;
}

export interface IngesterDeps {
  nc: NatsConnection;
  log: IngestLog;
  checkpoints: Checkpoints;
  store: ObjectStore;
  index: IndexWriter;
  metrics: Metrics;
  logger: { info(o: object, msg?: string): void; error(o: object, msg?: string): void };
}

interface PartitionState {
  /** Highest log sequence consumed. */
  consumed: number;
  /** Stream fingerprint → highest sequence it has flushed, kept while a replay could reach it. */
  flushed: Map<string, number>;
  /** The checkpoint last written, to skip writes that change nothing. */
  written: number;
  stop?: () => Promise<void>;
}

export class Ingester {
  private readonly streams = new Map<string, StreamActor>();
  private readonly partitions = new Map<number, PartitionState>();
  private readonly labelsCache = new Map<string, Labels>();
  private ticker: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private stopQueries: (() => void) | undefined;
  private ready = false;

  constructor(
    private readonly opts: IngesterOptions,
    private readonly deps: IngesterDeps,
  ) {}

  isReady(): boolean {
    return this.ready;
  }

  /** Replays every owned partition from its checkpoint; resolves once caught up with the log. */
  async start(): Promise<void> {
    this.stopQueries = serveIngesterQueries(this.deps.nc, this.opts.id, (q) => this.query(q));
    await Promise.all(this.opts.partitions.map((p) => this.own(p)));
    this.ticker = setInterval(() => this.tick(), this.opts.flush_check_period_ms);
    this.ready = true;
  }

  private async own(p: number): Promise<void> {
    const cp = await this.deps.checkpoints.get(p);
    const state: PartitionState = { consumed: cp.seq - 1, flushed: new Map(Object.entries(cp.flushed)), written: cp.seq };
    this.partitions.set(p, state);
    const target = await this.deps.log.lastSeq(p);
    let caughtUp: () => void = () => undefined;
    const done = new Promise<void>((r) => (caughtUp = r));
    if (target < cp.seq) caughtUp();
    state.stop = await this.deps.log.consume(p, cp.seq, (m) => {
      if (m.seq <= state.consumed) return;
      this.onMessage(p, state, m.seq, m.data);
      if (m.seq >= target) caughtUp();
    });
    await done;
  }

  private onMessage(p: number, state: PartitionState, seq: number, data: Uint8Array): void {
    state.consumed = seq;
    let batch;
    try {
      batch = decodeIngestBatch(data, (text) => this.labelsOf(text));
    } catch (err) {
      this.deps.logger.error({ err, partition: p, seq }, 'undecodable ingest-log message skipped');
      return;
    }
    const now = Date.now();
    for (const s of batch.streams) this.streamFor(batch.tenant, s, p, state).append(s.batch, seq, now);
  }

  private labelsOf(text: string): Labels {
    let l = this.labelsCache.get(text);
    if (!l) {
      l = parseLabels(text);
      if (this.labelsCache.size > 100_000) this.labelsCache.clear();
      this.labelsCache.set(text, l);
    }
    return l;
  }

  private streamFor(tenant: string, s: IngestStream, p: number, state: PartitionState): StreamActor {
    const key = `${tenant}/${s.fp}`;
    let actor = this.streams.get(key);
    if (!actor) {
      actor = new StreamActor(tenant, s.fp, s.batch.labels, s.labels, p, state.flushed.get(s.fp) ?? 0);
      this.streams.set(key, actor);
      this.deps.metrics.memoryStreams.inc({ tenant });
    }
    return actor;
  }

  /** One flush round at a time: a slow store delays the next round instead of piling them up. */
  private tick(): void {
    this.flushing = this.flushing.then(() => this.flushRound(false)).catch((err) => {
      this.deps.logger.error({ err }, 'flush round failed; retrying next round');
    });
  }

  /** Cuts every chunk that is due (or all, on shutdown), writes them, then moves checkpoints. */
  private async flushRound(all: boolean): Promise<void> {
    const now = Date.now();
    const items: FlushItem[] = [];
    for (const s of this.streams.values()) {
      if (s.flushing) {
        items.push({ stream: s, chunk: s.flushing, reason: s.flushReason ?? 'idle' });
        continue;
      }
      const reason: FlushReason | undefined = all && s.headEntries
        ? 'idle'
        : flushReason({ compressedBytes: s.compressedBytes(this.opts.chunk_target_size), entries: s.headEntries, firstAppendAt: s.firstAppendAt, lastAppendAt: s.lastAppendAt }, now, this.opts);
      if (!reason) continue;
      s.flushReason = reason;
      items.push({ stream: s, chunk: s.cut(), reason });
    }
    if (items.length) {
      await writeChunks(items, this.deps.store, this.deps.index, this.opts);
      const retainUntil = Date.now() + this.opts.chunk_retain_period_ms;
      for (const it of items) {
        it.stream.flushed(retainUntil);
        this.partitions.get(it.stream.partition)?.flushed.set(it.stream.fp, it.stream.flushedSeq);
        this.deps.metrics.chunksFlushed.inc({ reason: it.reason });
      }
    }
    for (const [key, s] of this.streams)
      if (s.expire(now)) {
        this.streams.delete(key);
        this.deps.metrics.memoryStreams.dec({ tenant: s.tenant });
      }
    await this.advanceCheckpoints();
  }

  /** A partition's checkpoint is the oldest sequence some stream still holds unflushed. */
  private async advanceCheckpoints(): Promise<void> {
    const oldest = new Map<number, number>();
    for (const s of this.streams.values()) {
      const m = s.minUnflushedSeq();
      if (m !== undefined) oldest.set(s.partition, Math.min(oldest.get(s.partition) ?? Infinity, m));
    }
    await Promise.all(
      [...this.partitions].map(async ([p, state]) => {
        const seq = Math.min(state.consumed + 1, oldest.get(p) ?? Infinity);
        for (const [fp, f] of state.flushed) if (f < seq) state.flushed.delete(fp);
        this.deps.metrics.partitionLag.set({ partition: String(p) }, state.consumed + 1 - seq);
        if (seq === state.written) return;
        await this.deps.checkpoints.set(p, { seq, flushed: Object.fromEntries(state.flushed) });
        state.written = seq;
        await this.deps.log.purgeBelow(p, seq).catch(() => undefined);
      }),
    );
  }

  /** Entries held in memory for one tenant's matching streams, for queriers. */
  private query(q: IngesterQuery): IngestStream[] {
    const match = compileMatchers(q.matchers);
    const out: IngestStream[] = [];
    for (const s of this.streams.values()) {
      if (s.tenant !== q.tenant || !match(s.labels)) continue;
      const batch: EntryBatch | undefined = s.read(BigInt(q.start), BigInt(q.end));
      if (!batch) continue;
      out.push({ fp: s.fp, labels: s.labelsText, batch: q.seriesOnly ? emptyBatch(s.labels) : batch });
    }
    return out;
  }

  /** Figures for `muninn status`. */
  status(): Record<string, unknown> {
    return {
      partitions: [...this.partitions.keys()],
      streams: this.streams.size,
      lag: Object.fromEntries([...this.partitions].map(([p, s]) => [p, s.consumed + 1 - s.written])),
    };
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.stopQueries?.();
    await Promise.all([...this.partitions.values()].map((s) => s.stop?.()));
    await this.flushing;
    if (this.opts.flush_on_shutdown) await this.flushRound(true);
    this.ready = false;
  }
}

const emptyBatch = (labels: Labels): EntryBatch => ({
  labels,
  ts: new BigInt64Array(0),
  lines: Buffer.alloc(0),
  offsets: new Uint32Array(1),
});
