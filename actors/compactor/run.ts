// One compaction run: every (tenant, day) of the index that has files, compacted in turn
// (storage/index/compact.ts), stopping between days when the compactor no longer holds its lease.
// A day that fails is logged by the caller's run status and tried again by the next run.
import { compactDay, indexDays, type ObjectStore } from '../../storage/index.ts';

export interface RunResult {
  /** (tenant, day) pairs looked at. */
  days: number;
  /** Days written anew as one compacted file. */
  compacted: number;
  filesMerged: number;
  filesDeleted: number;
}

export async function runCompaction(
  store: ObjectStore,
  opts: { workDir: string; deleteDelayMs: number; keepGoing: () => boolean },
): Promise<RunResult> {
  const result: RunResult = { days: 0, compacted: 0, filesMerged: 0, filesDeleted: 0 };
  const failed: string[] = [];
  let firstError: unknown;
  for (const prefix of await indexDays(store)) {
    if (!opts.keepGoing()) break;
    result.days++;
    try {
      const day = await compactDay(store, prefix, { workDir: opts.workDir, deleteDelayMs: opts.deleteDelayMs });
      if (day.written) result.compacted++;
      result.filesMerged += day.merged;
      result.filesDeleted += day.deleted;
    } catch (err) {
      // one broken day must not keep the others from being compacted
      failed.push(prefix);
      firstError ??= err;
    }
  }
  if (failed.length) throw new Error(`compacting ${failed.length} days failed (${failed.slice(0, 5).join(', ')}): ${(firstError as Error)?.message}`, { cause: firstError });
  return result;
}
