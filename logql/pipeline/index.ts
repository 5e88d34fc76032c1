// Compiles a log pipeline into a function over entry batches. Line filters run first on bytes;
// stages that change labels or lines work per surviving entry.
import type { Stage } from '../ast.ts';
import type { EntryBatch, Labels } from '../batch.ts';
import { QueryError } from '../eval/errors.ts';
import { compileLineFilter, type LineTest } from './line-filter.ts';

export interface Pipeline {
  /** True when every stage is a line filter: labels never change, callers can group by stream. */
  readonly filtersOnly: boolean;
  /**
   * Calls emit for each surviving entry, in batch order, with its final line and labels (sorted).
   * When labels are unchanged, emit gets batch.labels itself, so callers group cheaply.
   */
  run(batch: EntryBatch, emit: (i: number, line: Buffer, labels: Labels) => void): void;
}

/** Stream labels plus an entry's structured metadata, sorted. */
function withMetadata(labels: Labels, meta: Labels | undefined): Labels {
  if (!meta || meta.length === 0) return labels;
  const m = new Map(labels);
  for (const [n, v] of meta) if (!m.has(n)) m.set(n, v);
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function compilePipeline(stages: Stage[]): Pipeline {
  const tests: LineTest[] = [];
  for (const s of stages) {
    if (s.type !== 'lineFilter') throw new QueryError(`the ${s.type} stage is not supported yet`);
    tests.push(compileLineFilter(s));
  }
  return {
    filtersOnly: true,
    run(batch, emit) {
      const { lines, offsets } = batch;
      for (let i = 0; i < batch.ts.length; i++) {
        const line = lines.subarray(offsets[i], offsets[i + 1]);
        let keep = true;
        for (const t of tests)
          if (!t(line)) {
            keep = false;
            break;
          }
        if (keep) emit(i, line, withMetadata(batch.labels, batch.metadata?.[i]));
      }
    },
  };
}
