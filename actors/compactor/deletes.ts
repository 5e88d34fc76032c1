// Log deletion, a step of a compactor run (Loki's filter-and-delete): the requests past their
// cancel period are taken up (received → processing, by compare-and-set against a cancel), each
// chunk holding lines they name is written anew without them (or dropped when nothing is left),
// every day indexing it gets the new chunk's row in place of the old one in one edit of its
// compacted file, and the requests are marked processed.
//
// What a failure leaves, at any step: a chunk written anew and not yet indexed is an object no row
// names; a day edited names the new chunk and not the old (one edit, one file), a day not yet
// edited the old one. Either way queries answer the same: they filter the requests' lines anyway,
// and drop a line two chunks of a stream both hold. The requests stay `processing` and the next
// run does the work again from the store: a chunk rewritten with the same requests is the same
// object (its key names its content), one already without their lines is left as it is.
import type { DeleteRequests, StoredRequest } from '../../bus/index.ts';
import type { ChunkEncoding, DeletionMode } from '../../config/index.ts';
import { DeleteFilter, parseDeleteQuery, type StreamDeletes } from '../../logql/delete-filter.ts';
import { concatBatches, type EntryBatch } from '../../model/batch.ts';
import {
  assembleStored,
  chunkKey,
  ChunksTable,
  compactDay,
  daysOf,
  decodeChunk,
  encodeBlocks,
  IndexReader,
  ObjectNotFoundError,
  type ChunkRef,
  type DayEdit,
  type ObjectStore,
} from '../../storage/index.ts';
import type { Metrics } from '../metrics.ts';

const MS = 1_000_000n;

export interface DeletesOptions {
  cancelPeriodMs: number;
  workDir: string;
  /** Covered index files are deleted this long after the first compacted file covering them appeared. */
  deleteDelayMs: number;
  /** Dropped chunk objects wait this long (and never less than deleteDelayMs): retention_delete_delay, as Loki's sweeper waits for deleted chunks too. */
  chunkDeleteDelayMs: number;
  /** How a rewritten chunk is laid out (ingester.chunk_block_size, ingester.chunk_encoding). */
  blockSize: number;
  encoding: ChunkEncoding;
  deletionMode: (tenant: string) => DeletionMode;
  keepGoing: () => boolean;
}

export interface DeletesResult {
  /** Requests past their cancel period, not yet processed, when the step began. */
  pending: number;
  processed: number;
  chunksRewritten: number;
  chunksDropped: number;
  linesDeleted: number;
}

/** Each rewritten chunk by its key, and its replacement (null when every line of it is deleted). */
type Replacements = Map<string, { old: ChunkRef; next: ChunkRef | null }>;

export async function processDeletes(store: ObjectStore, requests: DeleteRequests, metrics: Metrics, opts: DeletesOptions): Promise<DeletesResult> {
  let all: StoredRequest[];
  try {
    all = await requests.list();
    metrics.loadPendingRequests.inc({ status: 'success' });
  } catch (err) {
    metrics.loadPendingRequests.inc({ status: 'fail' });
    throw err;
  }
  const now = Date.now();
  const due = all.filter((s) => s.req.status !== 'processed' && s.req.createdAt + opts.cancelPeriodMs <= now && opts.deletionMode(s.req.tenant) === 'filter-and-delete');
  const oldest = due.reduce((min, s) => Math.min(min, s.req.createdAt), Infinity);
  metrics.pendingDeleteRequests.set(due.length);
  metrics.oldestPendingDeleteAge.set(due.length ? Math.floor((now - oldest - opts.cancelPeriodMs) / 1000) : 0);
  const result: DeletesResult = { pending: due.length, processed: 0, chunksRewritten: 0, chunksDropped: 0, linesDeleted: 0 };

  // taken up: from here on a cancel is refused (a request a cancel removed meanwhile is skipped)
  const byTenant = new Map<string, StoredRequest[]>();
  for (const s of due) {
    const taken = s.req.status === 'processing' ? s : await requests.update(s, { ...s.req, status: 'processing' });
    if (!taken) continue;
    byTenant.set(taken.req.tenant, [...(byTenant.get(taken.req.tenant) ?? []), taken]);
  }
  let firstError: unknown;
  for (const [tenant, taken] of byTenant) {
    if (!opts.keepGoing()) break;
    try {
      const replacements = await rewriteChunks(store, tenant, taken, opts, result, metrics);
      await editDays(store, tenant, replacements, opts);
      for (const s of taken) {
        if (!(await requests.update(s, { ...s.req, status: 'processed' }))) continue;
        result.processed++;
        metrics.deleteRequestsProcessed.inc({ user: tenant });
      }
    } catch (err) {
      // this tenant's requests stay `processing`: the next run does their work again
      metrics.deleteProcessingFails.inc({ cause: 'error' });
      firstError ??= err;
    }
  }
  if (firstError) throw firstError;
  return result;
}

/** Writes anew every chunk of the tenant holding lines the requests name; what replaces each. */
async function rewriteChunks(store: ObjectStore, tenant: string, taken: StoredRequest[], opts: DeletesOptions, result: DeletesResult, metrics: Metrics): Promise<Replacements> {
  const filter = new DeleteFilter(taken.map(({ req: r }) => ({ query: r.query, start: BigInt(r.start) * MS, end: BigInt(r.end) * MS })));
  const candidates = new Map<string, ChunkRef>();
  const reader = new IndexReader({ store });
  try {
    for (const { req: r } of taken)
      for (const ref of await reader.chunks(tenant, parseDeleteQuery(r.query).matchers, BigInt(r.start) * MS, BigInt(r.end) * MS + 1n)) candidates.set(ref.key, ref);
  } finally {
    reader.close();
  }
  const out: Replacements = new Map();
  for (const ref of candidates.values()) {
    if (!opts.keepGoing()) throw new Error('the compactor lost its lease');
    const deletes = filter.forStream(ref.labels);
    if (!deletes?.overlaps(ref.from, ref.through)) continue;
    const next = await rewriteChunk(store, ref, deletes, opts);
    if (next === undefined) continue;
    out.set(ref.key, { old: ref, next: next.ref });
    result.linesDeleted += next.deleted;
    metrics.deletedLines.inc({ user: tenant }, next.deleted);
    metrics.deleteChunksSelected.inc({ user: tenant });
    if (next.ref) result.chunksRewritten++;
    else result.chunksDropped++;
  }
  return out;
}

/**
 * The chunk without the deleted lines, put in the store before any index names it; null when no
 * line is left, undefined when none was deleted (or the chunk is gone already).
 */
async function rewriteChunk(store: ObjectStore, ref: ChunkRef, deletes: StreamDeletes, opts: DeletesOptions): Promise<{ ref: ChunkRef | null; deleted: number } | undefined> {
  let buf: Buffer;
  try {
    buf = await store.get(ref.key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
  const chunk = decodeChunk(ref.key, buf);
  const kept: EntryBatch[] = [];
  let deleted = 0;
  for (let i = 0; i < chunk.blocks.length; i++) {
    const b = deletes.apply(chunk.readBlock(i));
    deleted += b.deleted;
    if (b.kept.ts.length) kept.push(b.kept);
  }
  if (deleted === 0) return undefined;
  if (kept.length === 0) return { ref: null, deleted };
  const entries = concatBatches(kept);
  const blocks = encodeBlocks(entries, opts.blockSize);
  // the same lines with the same meta make the same bytes, and so the same key, in any run
  const { buf: out, checksum } = await assembleStored(chunk.meta, blocks, opts.encoding);
  const from = entries.ts[0];
  const through = entries.ts[entries.ts.length - 1];
  const key = chunkKey(chunk.meta, from, through, checksum);
  await store.put(key, out);
  const rawBytes = blocks.reduce((n, b) => n + b.lineBytes, 0);
  return { ref: { ...ref, key, from, through, entries: entries.ts.length, bytes: out.length, rawBytes, maxSeq: chunk.meta.maxSeq }, deleted };
}

/** Every day indexing a replaced chunk gets, in one edit, its replacement's row (if the replacement touches the day) for the old one. */
async function editDays(store: ObjectStore, tenant: string, replacements: Replacements, opts: DeletesOptions): Promise<void> {
  const days = new Set<string>();
  for (const { old } of replacements.values()) for (const d of daysOf(old.from, old.through, Infinity)) days.add(d);
  for (const day of [...days].sort()) {
    if (!opts.keepGoing()) throw new Error('the compactor lost its lease');
    const edit: DayEdit = {
      apply(db) {
        const named = db.prepare<[string], number>('SELECT 1 FROM chunks WHERE key = ?').pluck();
        const drop = db.prepare('DELETE FROM chunks WHERE key = ?');
        const rows = new ChunksTable(db, true);
        const droppedChunks: string[] = [];
        for (const [old, { next }] of replacements) {
          if (named.get(old) === undefined) continue;
          drop.run(old);
          droppedChunks.push(old);
          if (next && daysOf(next.from, next.through, Infinity).includes(day)) rows.add(next.fingerprint, next);
        }
        return { droppedChunks };
      },
    };
    await compactDay(store, `index/${tenant}/${day}/`, { workDir: opts.workDir, deleteDelayMs: opts.deleteDelayMs, chunkDeleteDelayMs: opts.chunkDeleteDelayMs, edit });
  }
}
