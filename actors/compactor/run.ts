// One compaction run: every (tenant, day) of the index that has files, compacted in turn
// (storage/index/compact.ts), with retention's edit where retention is on and the day may hold
// expired chunks (retention.ts), stopping between days when the compactor no longer holds its
// lease. A day that fails is logged by the caller's run status and tried again by the next run.
import { compactDay, indexDays, type ObjectStore } from '../../storage/index.ts';
import type { Metrics } from '../metrics.ts';
import type { Retention } from './retention.ts';

export interface RunResult {
  /** (tenant, day) pairs looked at. */
  days: number;
  /** Days written anew as one compacted file. */
  compacted: number;
  filesMerged: number;
  filesDeleted: number;
  /** Chunk references retention dropped from the index. */
  chunksDropped: number;
  /** Chunk objects deleted, their delay past. */
  chunksDeleted: number;
  /** Chunks dropped and not yet deleted, over every day. */
  chunksPending: number;
  /** Days gone whole, every chunk of them past retention. */
  daysDeleted: number;
}

export interface RunOptions {
  workDir: string;
  deleteDelayMs: number;
  chunkDeleteDelayMs: number;
  keepGoing: () => boolean;
  /** Absent when retention is off. */
  retention?: Retention;
  metrics: Metrics;
  now?: number;
}

export async function runCompaction(store: ObjectStore, opts: RunOptions): Promise<RunResult> {
  const result: RunResult = { days: 0, compacted: 0, filesMerged: 0, filesDeleted: 0, chunksDropped: 0, chunksDeleted: 0, chunksPending: 0, daysDeleted: 0 };
  const failed: string[] = [];
  let firstError: unknown;
  const sweeping = timedChunkDeletes(store, opts.metrics);
  for (const prefix of await indexDays(store)) {
    if (!opts.keepGoing()) break;
    result.days++;
    const [, tenant, day] = prefix.split('/');
    const now = opts.now ?? Date.now();
    const edit = opts.retention?.editFor(tenant, day, now);
    const started = Date.now();
    try {
      const r = await compactDay(sweeping, prefix, { workDir: opts.workDir, deleteDelayMs: opts.deleteDelayMs, chunkDeleteDelayMs: opts.chunkDeleteDelayMs, now, edit });
      if (r.written) result.compacted++;
      result.filesMerged += r.merged;
      result.filesDeleted += r.deleted;
      result.chunksDropped += r.droppedChunks;
      result.chunksDeleted += r.chunksDeleted;
      result.chunksPending += r.chunksPending;
      if (r.dayDeleted) result.daysDeleted++;
      if (edit) {
        // Loki's marker metrics, a table being a day (of every tenant)
        opts.metrics.retentionMarks.inc({ table: day }, r.droppedChunks);
        opts.metrics.retentionTables.inc({ table: day, user_id: tenant, action: r.dayDeleted ? 'deleted' : r.written ? 'modified' : 'none' });
        opts.metrics.retentionTableDuration.observe({ table: day, status: 'success' }, (Date.now() - started) / 1000);
      }
    } catch (err) {
      if (edit) opts.metrics.retentionTableDuration.observe({ table: day, status: 'failure' }, (Date.now() - started) / 1000);
      // one broken day must not keep the others from being compacted
      failed.push(prefix);
      firstError ??= err;
    }
  }
  opts.metrics.retentionChunksPending.set(result.chunksPending);
  if (failed.length) throw new Error(`compacting ${failed.length} days failed (${failed.slice(0, 5).join(', ')}): ${(firstError as Error)?.message}`, { cause: firstError });
  return result;
}

/** The store, each chunk delete timed into Loki's sweeper histogram (index files are not chunks). */
function timedChunkDeletes(store: ObjectStore, metrics: Metrics): ObjectStore {
  return {
    put: (key, data) => store.put(key, data),
    get: (key) => store.get(key),
    getRange: (key, offset, length) => store.getRange(key, offset, length),
    list: (prefix, o) => store.list(prefix, o),
    close: () => store.close(),
    delete: async (key) => {
      if (key.startsWith('index/')) return store.delete(key);
      const started = Date.now();
      let status = 'failure';
      try {
        await store.delete(key);
        status = 'success';
      } finally {
        metrics.retentionChunkDeleteDuration.observe({ status }, (Date.now() - started) / 1000);
      }
    },
  };
}
