// The querier's view of one tenant's data: chunks from the store (through the index) and
// recent entries from every live ingester, merged per stream in time order without duplicates.
import type { NatsConnection } from 'nats';
import { askIngesters, type IngestStream, type Members } from '../../bus/index.ts';
import type { Matcher } from '../../logql/ast.ts';
import { batchFromRows, type EntryBatch, type Labels, type Row } from '../../logql/batch.ts';
import { formatLabels, labelsKey, parseLabels } from '../../logql/labels.ts';
import { decodeChunk, type IndexReader, type ObjectStore } from '../../storage/index.ts';

export interface SourceDeps {
  nc: NatsConnection;
  members: Members;
  store: ObjectStore;
  index: IndexReader;
  ingesterTimeoutMs: number;
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

export class TenantSource {
  readonly stats = newReadStats();

  constructor(
    private readonly deps: SourceDeps,
    private readonly tenant: string,
  ) {}

  async *select(matchers: Matcher[], start: bigint, end: bigint): AsyncIterable<EntryBatch> {
    const [memory, stored] = await Promise.all([this.fromIngesters(matchers, start, end, false), this.fromStore(matchers, start, end)]);
    const byStream = new Map<string, EntryBatch[]>();
    for (const b of [...stored, ...memory.map((s) => s.batch)]) {
      if (b.ts.length === 0) continue;
      const k = labelsKey(b.labels);
      const list = byStream.get(k);
      if (list) list.push(b);
      else byStream.set(k, [b]);
    }
    for (const batches of byStream.values()) {
      const merged = mergeBatches(batches);
      this.stats.linesProcessed += merged.ts.length;
      this.stats.bytesProcessed += merged.lines.length;
      yield merged;
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

  private async fromIngesters(matchers: Matcher[], start: bigint, end: bigint, seriesOnly: boolean): Promise<IngestStream[]> {
    const ingesters = (await this.deps.members.list()).filter((m) => m.roles.includes('ingester')).map((m) => m.id);
    const streams = await askIngesters(
      this.deps.nc,
      ingesters,
      { tenant: this.tenant, matchers, start: String(start), end: String(end), seriesOnly },
      this.deps.ingesterTimeoutMs,
      parseLabels,
    );
    for (const s of streams) this.stats.ingesterEntries += s.batch.ts.length;
    return streams;
  }

  /** Each chunk's entries in range, chunks in time order (a stream's chunks follow each other). */
  private async fromStore(matchers: Matcher[], start: bigint, end: bigint): Promise<EntryBatch[]> {
    const refs = (await this.deps.index.chunks(this.tenant, matchers, start, end)).sort((a, b) =>
      a.from !== b.from ? (a.from < b.from ? -1 : 1) : a.through < b.through ? -1 : a.through > b.through ? 1 : 0,
    );
    const parts: EntryBatch[][] = new Array(refs.length);
    let next = 0;
    const worker = async () => {
      while (next < refs.length) {
        const at = next++;
        const ref = refs[at];
        const buf = await this.deps.store.get(ref.key);
        const chunk = decodeChunk(ref.key, buf);
        this.stats.chunksRead++;
        this.stats.chunkBytes += buf.length;
        parts[at] = [...chunk.read(start, end)];
        for (const b of parts[at]) this.stats.storeEntries += b.ts.length;
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, refs.length) }, worker));
    return parts.flat();
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
