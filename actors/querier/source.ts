// The querier's view of one tenant's data: chunks from the store (through the index) and
// recent entries from every live ingester, without duplicates, in pieces (read-plan.ts): stream by
// stream, or for a limited log query in its direction until nothing more can be kept.
import type { NatsConnection } from 'nats';
import { askIngesters, type IngestStream } from '../../bus/index.ts';
import { pastBound, QueryError, type SelectHint, type Source, type Span } from '../../logql/eval/index.ts';
import { inShard, type Shard } from '../../model/fingerprint.ts';
import type { Matcher } from '../../model/matchers.ts';
import type { EntryBatch } from '../../model/batch.ts';
import { labelsKey, parseLabels, type Labels } from '../../model/labels.ts';
import { msToNs } from '../../model/time.ts';
import { formatHumanBytes } from '../../logql/go-convert.ts';
import { decodeChunk, openChunk, type BlockInfo, type ChunkReader, type ChunkRef, type IndexReader, type ObjectStore } from '../../storage/index.ts';
import { Prefetcher } from './prefetcher.ts';
import { pieceBatches, pieceCounts, type Fetched } from './read-pieces.ts';
import { inDirection, planPieces, type Piece } from './read-plan.ts';
import { newReadStats } from '../../logql/stats.ts';
import type { DeleteFilter, StreamDeletes } from '../../logql/delete-filter.ts';
import type { QuerierDeletes } from './deletes.ts';

/** Who holds each partition's lease now (a watched copy, asked on every sub-query). */
export interface PartitionOwners {
  /** P: every partition of the ingest log. */
  count: number;
  /** The distinct ingesters holding a live lease. */
  owners(): string[];
}

/** Chunks a limited log query opens ahead of the one it reads (each opened for range reads, cheaply). */
const LIMITED_AHEAD_CHUNKS = 4;

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
  /** The tenants' delete requests, whose lines no answer shows. */
  deletes?: QuerierDeletes;
}

export class TenantSource implements Source {
  readonly stats = newReadStats();
  /** Loki's response warnings: what this sub-query could not see. */
  readonly warnings = new Set<string>();
  /** The tenant's delete requests, undefined when it has none (or its deletion_mode is disabled). */
  private readonly deletes: DeleteFilter | undefined;
  /** The requests that apply to the stream of the last batch filtered, by its labels. */
  private deletesOf: { labels: Labels; of: StreamDeletes | undefined } | undefined;

  constructor(
    private readonly deps: SourceDeps,
    private readonly tenant: string,
    /** Only the streams of this shard (a sharded query's piece); all when undefined. */
    private readonly shard?: Shard,
  ) {
    this.deletes = deps.deletes?.filter(tenant);
  }

  /**
   * Without a hint stream by stream: a sub-query holds one piece's entries (and the chunks
   * fetched ahead), not all of them at once. With one, newest (backward) or oldest (forward)
   * piece first, and within a lone chunk its blocks in that order, stopping at the hint's bound.
   */
  async *select(matchers: Matcher[], start: bigint, end: bigint, hint?: SelectHint): AsyncIterable<EntryBatch> {
    const pieces = await this.plan(matchers, start, end, hint);
    for await (const f of this.fetched(hint ? inDirection(pieces, hint.direction) : pieces, start, end, hint))
      for await (const b of pieceBatches(f, hint)) {
        const kept = this.withoutDeleted(b);
        if (kept.ts.length) yield this.processed(kept);
      }
  }

  /** As select, with blocks that a count takes whole given by their index entries (see Source.count). */
  async *count(matchers: Matcher[], start: bigint, end: bigint, whole: (minTs: bigint, maxTs: bigint) => boolean): AsyncIterable<EntryBatch | Span> {
    for await (const f of this.fetched(await this.plan(matchers, start, end), start, end, undefined, true)) {
      // a block that may hold deleted lines is read, not counted by its totals
      const deleted = this.deletes?.forStream(f.piece.labels);
      const taken = deleted ? (min: bigint, max: bigint) => whole(min, max) && !deleted.overlaps(min, max) : whole;
      for await (const p of pieceCounts(f, taken)) {
        const kept = 'ts' in p ? this.withoutDeleted(p) : p;
        if (!('ts' in kept) || kept.ts.length) yield this.processed(kept);
      }
    }
  }

  /**
   * The batch without the lines the tenant's delete requests name (Loki's query-time filtering);
   * a stream no request's selector matches costs a matcher test per stream.
   */
  private withoutDeleted(b: EntryBatch): EntryBatch {
    if (!this.deletes) return b;
    if (this.deletesOf?.labels !== b.labels) this.deletesOf = { labels: b.labels, of: this.deletes.forStream(b.labels) };
    return this.deletesOf.of ? this.deletesOf.of.apply(b).kept : b;
  }

  /** The pieces to read: the index's chunks and the ingesters' memory, checked against max_querier_bytes_read. */
  private async plan(matchers: Matcher[], start: bigint, end: bigint, hint?: SelectHint): Promise<Piece[]> {
    // an ingester cutting its answer at the limit may leave out lines that would replace deleted ones
    const limited = this.deletes?.overlaps(start, end) ? undefined : hint;
    const [memory, all] = await Promise.all([this.fromIngesters(matchers, start, end, false, limited), this.deps.index.chunks(this.tenant, matchers, start, end)]);
    const refs = this.shard ? all.filter((r) => inShard(r.fingerprint, this.shard)) : all;
    this.checkBytes(refs);
    this.stats.chunksRef += refs.length;
    return planPieces(refs, memory);
  }

  /**
   * Each piece with its chunks, in the order given; the chunks fetched ahead by a Prefetcher,
   * which leaves out those past the hint's bound. Pieces come in the hint's direction, so once
   * one lies past its bound, so do all after it.
   */
  private async *fetched(pieces: Piece[], start: bigint, end: bigint, hint?: SelectHint, counting = false): AsyncIterable<Fetched> {
    // a chunk read whole takes one get; one read in part (a limited query's bound, a range that
    // cuts it, a count that takes blocks by their totals) its index first, then its blocks by range
    const inPart = (r: ChunkRef) => counting || hint !== undefined || r.from < start || r.through >= end;
    // a limited query fetches little ahead: its bound, once met, leaves the rest unread
    const ahead = hint ? LIMITED_AHEAD_CHUNKS : undefined;
    const chunks = new Prefetcher(pieces.flatMap((p) => p.refs), (r) => this.fetch(r, inPart(r)), (r) => pastBound(hint, r.from, r.through), ahead);
    try {
      for (const piece of pieces) {
        if (pastBound(hint, piece.from, piece.through)) return;
        const got: Array<ChunkReader | undefined> = [];
        for (let i = 0; i < piece.refs.length; i++) got.push(await chunks.next());
        yield { piece, chunks: got, start, end, stats: this.stats };
      }
    } finally {
      chunks.close();
    }
  }

  /** Counts what the evaluator is handed. */
  private processed<T extends EntryBatch | Span>(p: T): T {
    if ('ts' in p) {
      this.stats.linesProcessed += p.ts.length;
      this.stats.bytesProcessed += p.offsets[p.ts.length] - p.offsets[0];
    } else {
      this.stats.linesProcessed += p.entries;
      this.stats.bytesProcessed += p.bytes;
    }
    return p;
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
    const owners = this.deps.partitions.owners();
    const got = await askIngesters(
      this.deps.nc,
      owners,
      { tenant: this.tenant, matchers, start: String(start), end: String(end), seriesOnly, limit: hint?.limit, direction: hint?.direction, shard: this.shard },
      this.deps.ingesterTimeoutMs,
      parseLabels,
    );
    for (const w of coverageWarnings(this.deps.partitions.count, got.covered, got.behind)) this.warnings.add(w);
    this.stats.ingestersReached += owners.length - got.silent.length;
    this.stats.ingesterStreams += got.streams.length;
    for (const s of got.streams) {
      this.stats.ingesterEntries += s.batch.ts.length;
      this.stats.ingesterBytes += s.batch.offsets[s.batch.ts.length] - s.batch.offsets[0];
    }
    return got.streams;
  }

  /**
   * One chunk, its header and block index checked: fetched whole, or (`inPart`) opened for range
   * reads of the blocks wanted; its blocks are decompressed as they are read.
   */
  private async fetch(ref: ChunkRef, inPart: boolean): Promise<ChunkReader> {
    const decompressed = (b: BlockInfo) => {
      this.stats.decompressedBytes += b.rawLength;
      this.stats.decompressedLines += b.entries;
    };
    const timed = async (get: Promise<Buffer>): Promise<Buffer> => {
      const began = performance.now();
      const buf = await get;
      this.stats.chunksDownloadTime += Math.round((performance.now() - began) * 1e6);
      this.stats.chunkBytes += buf.length;
      return buf;
    };
    this.stats.chunksDownloaded++;
    if (inPart) return openChunk(ref.key, ref.bytes, (offset, length) => timed(this.deps.store.getRange(ref.key, offset, length)), decompressed);
    return decodeChunk(ref.key, await timed(this.deps.store.get(ref.key)), decompressed);
  }
}

/** Loki's response warnings for what the ingesters' answers leave out: partitions nobody answered for, and those far behind the log. */
export function coverageWarnings(count: number, covered: ReadonlySet<number>, behind: ReadonlyMap<number, number>): string[] {
  const out: string[] = [];
  const missing: number[] = [];
  for (let p = 0; p < count; p++) if (!covered.has(p)) missing.push(p);
  if (missing.length) out.push(uncovered(missing));
  for (const [p, lag] of behind)
    out.push(
      lag < 0
        ? `partition ${p} cannot read the ingest log right now (retrying): its newest lines may be missing`
        : `partition ${p} is ${lag} messages behind the ingest log (catching up): its newest lines may be missing`,
    );
  return out;
}

/** The warning for partitions no ingester answered for. */
const uncovered = (partitions: number[]) =>
  `no ingester answered for partition${partitions.length > 1 ? 's' : ''} ${partitions.join(', ')} (taking over, replaying or gone): their lines not yet flushed to the store may be missing`;
