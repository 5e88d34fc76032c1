// The querier's view of one tenant's data: chunks from the store (through the index) and
// recent entries from every live ingester, merged per stream in time order without duplicates,
// handed to the evaluator one stream at a time.
import type { NatsConnection } from 'nats';
import { askIngesters, type IngestStream } from '../../bus/index.ts';
import { QueryError, type SelectHint, type Source } from '../../logql/eval/index.ts';
import type { Matcher } from '../../model/matchers.ts';
import { batchFromRows, followEachOther, type EntryBatch, type Row } from '../../model/batch.ts';
import { formatLabels, labelsKey, parseLabels, type Labels } from '../../model/labels.ts';
import { msToNs } from '../../model/time.ts';
import { formatHumanBytes } from '../../logql/go-convert.ts';
import { decodeChunk, type ChunkRef, type IndexReader, type ObjectStore } from '../../storage/index.ts';

/** Who holds each partition's lease now (a watched copy, asked on every sub-query). */
export interface PartitionOwners {
  /** P: every partition of the ingest log. */
  count: number;
  /** The distinct ingesters holding a live lease. */
  owners(): string[];
}

export interface SourceDeps {
  nc: NatsConnection;
  partitions: PartitionOwners;
  store: ObjectStore;
  index: IndexReader;
  ingesterTimeoutMs: number;
  /** Sub-queries that end longer ago than this do not ask ingesters (querier.query_ingesters_within). */
  queryIngestersWithinMs: number;
  /** Compressed chunk bytes one sub-query may read (limits_config.max_querier_bytes_read); 0: no limit. */
  maxBytesRead: number;
}

/** Counts for Loki's `stats` block. */
export interface ReadStats {
  chunksRead: number;
  chunkBytes: number;
  storeEntries: number;
  ingesterEntries: number;
  linesProcessed: number;
  bytesProcessed: number;
}

export const newReadStats = (): ReadStats => ({ chunksRead: 0, chunkBytes: 0, storeEntries: 0, ingesterEntries: 0, linesProcessed: 0, bytesProcessed: 0 });

const FETCH_CONCURRENCY = 16;
/** Compressed chunk bytes fetched ahead of the stream being evaluated. */
const FETCH_AHEAD_BYTES = 64 * 1024 * 1024;

/** One stream's part of a sub-query: its chunks in time order, and what ingesters hold of it. */
interface StreamPlan {
  refs: ChunkRef[];
  memory?: EntryBatch;
}

export class TenantSource implements Source {
  readonly stats = newReadStats();
  /** Loki's response warnings: what this sub-query could not see. */
  readonly warnings = new Set<string>();

  constructor(
    private readonly deps: SourceDeps,
    private readonly tenant: string,
  ) {}

  /**
   * Stream by stream, each merged from its chunks and ingester memory: a sub-query holds one
   * stream's entries (and the chunks fetched ahead for the next), not all of them at once.
   */
  async *select(matchers: Matcher[], start: bigint, end: bigint, hint?: SelectHint): AsyncIterable<EntryBatch> {
    const [memory, refs] = await Promise.all([this.fromIngesters(matchers, start, end, false, hint), this.deps.index.chunks(this.tenant, matchers, start, end)]);
    this.checkBytes(refs);
    const plans = new Map<string, StreamPlan>();
    const plan = (fp: string) => {
      let p = plans.get(fp);
      if (!p) plans.set(fp, (p = { refs: [] }));
      return p;
    };
    for (const r of refs) plan(r.fingerprint).refs.push(r); // refs come sorted by time
    for (const m of memory) if (m.batch.ts.length) plan(m.fp).memory = m.batch;
    const ordered = [...plans.values()];
    const chunks = new Prefetcher(ordered.flatMap((p) => p.refs), (r) => this.readChunk(r, start, end));
    try {
      for (const p of ordered) {
        const batches: EntryBatch[] = [];
        for (let i = 0; i < p.refs.length; i++) for (const b of await chunks.next()) if (b.ts.length) batches.push(b);
        if (p.memory) batches.push(p.memory);
        // batches that follow each other in time hold no entry twice: handed over as they are;
        // only where they overlap (a flushed chunk still in an ingester's memory) are they merged
        const parts = followEachOther(batches) ? batches : batches.length ? [mergeBatches(batches)] : [];
        for (const b of parts) {
          this.stats.linesProcessed += b.ts.length;
          this.stats.bytesProcessed += b.lines.length;
          yield b;
        }
      }
    } finally {
      chunks.close();
    }
  }

  /** Label sets of every stream with entries in range, from the index and the ingesters. */
  async series(matchers: Matcher[], start: bigint, end: bigint): Promise<Labels[]> {
    const [memory, stored] = await Promise.all([
      this.fromIngesters(matchers, start, end, true),
      this.deps.index.series(this.tenant, matchers, start, end),
    ]);
    const out = new Map<string, Labels>();
    for (const l of stored) out.set(labelsKey(l), l);
    for (const s of memory) out.set(labelsKey(s.batch.labels), s.batch.labels);
    return [...out.values()];
  }

  /** Loki's max_querier_bytes_read, checked against the index before any chunk is read. */
  private checkBytes(refs: ChunkRef[]): void {
    const max = this.deps.maxBytesRead;
    if (max <= 0) return;
    let bytes = 0;
    for (const r of refs) bytes += r.bytes;
    if (bytes > max)
      throw new QueryError(
        `query too large to execute on a single querier: (query: ${formatHumanBytes(bytes)}, limit: ${formatHumanBytes(max)}); consider adding more specific stream selectors, reduce the time range of the query, or adjust parallelization settings`,
      );
  }

  /**
   * What the lease holders keep in memory. A partition none of them answered for (its lease
   * lapsed, its owner is replaying or gone) is named in a warning: the answer may lack its lines
   * not yet flushed, and says so rather than failing or staying silent.
   */
  private async fromIngesters(matchers: Matcher[], start: bigint, end: bigint, seriesOnly: boolean, hint?: SelectHint): Promise<IngestStream[]> {
    const within = this.deps.queryIngestersWithinMs;
    if (within > 0 && end < msToNs(Date.now() - within)) return [];
    const got = await askIngesters(
      this.deps.nc,
      this.deps.partitions.owners(),
      { tenant: this.tenant, matchers, start: String(start), end: String(end), seriesOnly, limit: hint?.limit, direction: hint?.direction },
      this.deps.ingesterTimeoutMs,
      parseLabels,
    );
    const missing: number[] = [];
    for (let p = 0; p < this.deps.partitions.count; p++) if (!got.covered.has(p)) missing.push(p);
    if (missing.length) this.warnings.add(uncovered(missing));
    for (const [p, lag] of got.behind) this.warnings.add(`partition ${p} is ${lag} messages behind the ingest log (catching up): its newest lines may be missing`);
    for (const s of got.streams) this.stats.ingesterEntries += s.batch.ts.length;
    return got.streams;
  }

  /** One chunk's entries in range. */
  private async readChunk(ref: ChunkRef, start: bigint, end: bigint): Promise<EntryBatch[]> {
    const buf = await this.deps.store.get(ref.key);
    const chunk = decodeChunk(ref.key, buf);
    this.stats.chunksRead++;
    this.stats.chunkBytes += buf.length;
    const parts = [...chunk.read(start, end)];
    for (const b of parts) this.stats.storeEntries += b.ts.length;
    return parts;
  }
}

/** The warning for partitions no ingester answered for. */
const uncovered = (partitions: number[]) =>
  `no ingester answered for partition${partitions.length > 1 ? 's' : ''} ${partitions.join(', ')} (taking over, replaying or gone): their lines not yet flushed to the store may be missing`;

/**
 * Reads chunks in the order they will be used, a few at a time and a bounded number of bytes
 * ahead of the reader, so fetching overlaps evaluation without holding a sub-query's data.
 */
class Prefetcher {
  private readonly pending: Array<Promise<EntryBatch[]> | undefined> = [];
  private started = 0;
  private taken = 0;
  private inFlight = 0;
  private ahead = 0;
  private closed = false;

  constructor(
    private readonly refs: ChunkRef[],
    private readonly read: (r: ChunkRef) => Promise<EntryBatch[]>,
  ) {
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.started < this.refs.length && this.inFlight < FETCH_CONCURRENCY && (this.ahead < FETCH_AHEAD_BYTES || this.started === this.taken)) {
      const ref = this.refs[this.started];
      this.inFlight++;
      this.ahead += ref.bytes;
      const p = this.read(ref).finally(() => {
        this.inFlight--;
        this.pump();
      });
      p.catch(() => undefined); // surfaced by next(); one never taken must not go unhandled
      this.pending[this.started++] = p;
    }
  }

  /** The next chunk's batches, in order. */
  async next(): Promise<EntryBatch[]> {
    const i = this.taken++;
    this.pump();
    const p = this.pending[i]!;
    this.pending[i] = undefined;
    try {
      return await p;
    } finally {
      this.ahead -= this.refs[i].bytes;
      this.pump();
    }
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * One ascending batch from several of the same stream (its chunks, then ingester memory),
 * dropping exact duplicates where store and memory overlap. Entries at one time keep the order
 * they were pushed in, as Loki returns them: chunks go in time order and the sort is stable.
 */
export function mergeBatches(batches: EntryBatch[]): EntryBatch {
  if (batches.length === 1) return batches[0];
  const rows: Row[] = [];
  for (const b of batches)
    for (let i = 0; i < b.ts.length; i++) rows.push([b.ts[i], b.lines.subarray(b.offsets[i], b.offsets[i + 1]), b.metadata?.[i]]);
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept: typeof rows = [];
  let sameTime = 0;
  for (const r of rows) {
    if (kept.length && kept[kept.length - 1][0] !== r[0]) sameTime = kept.length;
    let dup = false;
    for (let j = sameTime; j < kept.length && !dup; j++) dup = kept[j][1].equals(r[1]) && metaText(kept[j][2]) === metaText(r[2]);
    if (!dup) kept.push(r);
  }
  return batchFromRows(batches[0].labels, kept);
}

const metaText = (m: Labels | undefined) => (m ? formatLabels(m) : '');
