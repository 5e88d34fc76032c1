// Which lines a tenant's delete requests remove, as Loki's query-time filtering and its compactor
// decide it: a line is deleted when its stream matches a request's selector, its time lies in the
// request's [start, end] (both included), and the request's pipeline (line filters, or any other
// stage) keeps it. Queriers drop such lines from every answer; the compactor writes chunks
// without them. A stream no request's selector matches costs one matcher test per batch.
import { isLogExpr, type LogExpr } from './ast.ts';
import { parseExpr } from './parser/index.ts';
import { compilePipeline, type Pipeline } from './pipeline/index.ts';
import { batchFromRows, type EntryBatch, type Row } from '../model/batch.ts';
import { compileMatchers } from '../model/matchers.ts';
import type { Labels } from '../model/labels.ts';

/** A delete request as the filter needs it: times in ns, both ends included. */
export interface DeleteSpec {
  query: string;
  start: bigint;
  end: bigint;
}

/** The log selector of a delete request; throws (ParseError, or Error for a metric query) when it is not one. */
export function parseDeleteQuery(query: string): LogExpr {
  const e = parseExpr(query);
  if (!isLogExpr(e)) throw new Error('not a log selector');
  return e;
}

interface Compiled {
  matches: (labels: Labels) => boolean;
  /** Undefined when the request has no stage: every line in range goes. */
  pipeline?: Pipeline;
  start: bigint;
  end: bigint;
}

/** The requests that apply to one stream. */
export class StreamDeletes {
  constructor(private readonly reqs: Compiled[]) {}

  /** Whether any line in [min, max] may be deleted (a block outside every request can be taken whole). */
  overlaps(min: bigint, max: bigint): boolean {
    return this.reqs.some((r) => r.start <= max && r.end >= min);
  }

  /** Which entries of the batch are deleted (1) or kept (0); undefined when none is deleted. */
  marks(batch: EntryBatch): Uint8Array | undefined {
    const n = batch.ts.length;
    if (n === 0) return undefined;
    let mark: Uint8Array | undefined;
    for (const r of this.reqs) {
      if (r.start > batch.ts[n - 1] || r.end < batch.ts[0]) continue;
      const m = (mark ??= new Uint8Array(n));
      const inRange = (i: number) => batch.ts[i] >= r.start && batch.ts[i] <= r.end;
      if (r.pipeline) r.pipeline.run(batch, (i) => void (inRange(i) && (m[i] = 1)));
      else for (let i = 0; i < n; i++) if (inRange(i)) m[i] = 1;
    }
    return mark?.includes(1) ? mark : undefined;
  }

  /** The batch without its deleted entries (the batch itself when none is), and how many went. */
  apply(batch: EntryBatch): { kept: EntryBatch; deleted: number } {
    const mark = this.marks(batch);
    if (!mark) return { kept: batch, deleted: 0 };
    const rows: Row[] = [];
    for (let i = 0; i < mark.length; i++)
      if (!mark[i]) rows.push([batch.ts[i], batch.lines.subarray(batch.offsets[i], batch.offsets[i + 1]), batch.metadata?.[i]]);
    return { kept: batchFromRows(batch.labels, rows), deleted: mark.length - rows.length };
  }
}

/** A tenant's delete requests, compiled once, asked per stream. */
export class DeleteFilter {
  private readonly reqs: Compiled[];

  /** Requests whose query no longer parses (written by another version) are left out. */
  constructor(specs: readonly DeleteSpec[]) {
    this.reqs = specs.flatMap((s) => {
      try {
        const e = parseDeleteQuery(s.query);
        return [{ matches: compileMatchers(e.matchers), pipeline: e.pipeline.length ? compilePipeline(e.pipeline) : undefined, start: s.start, end: s.end }];
      } catch {
        return [];
      }
    });
  }

  get empty(): boolean {
    return this.reqs.length === 0;
  }

  /** Whether any request covers part of [start, end]. */
  overlaps(start: bigint, end: bigint): boolean {
    return this.reqs.some((r) => r.start <= end && r.end >= start);
  }

  /** The requests whose selector matches the stream, or undefined when none does. */
  forStream(labels: Labels): StreamDeletes | undefined {
    const hit = this.reqs.filter((r) => r.matches(labels));
    return hit.length ? new StreamDeletes(hit) : undefined;
  }
}
