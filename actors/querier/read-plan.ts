// What a sub-query reads, cut into pieces that share no entry: a stream's chunks and what the
// ingesters hold of it in memory, where they meet in time (a flushed chunk still in memory, chunks
// cut from pushes out of order), are one piece, merged when read. So duplicates never cross
// pieces, and the pieces of all streams can be read in any order, e.g. the query's direction.
import type { IngestStream } from '../../bus/index.ts';
import type { Direction, EntryBatch } from '../../model/batch.ts';
import type { Labels } from '../../model/labels.ts';
import type { ChunkRef } from '../../storage/index.ts';

export interface Piece {
  labels: Labels;
  /** Its first and last entry's time at most (ns, inclusive): where it lies. */
  from: bigint;
  through: bigint;
  /** Chunks, by start time. */
  refs: ChunkRef[];
  /** What ingesters hold of it, ascending; its entries come after the chunks' at one time. */
  memory?: EntryBatch;
}

/** Stream by stream, each stream's pieces in time order. `refs` sorted by start time, as the index gives them. */
export function planPieces(refs: ChunkRef[], memory: IngestStream[]): Piece[] {
  const streams = new Map<string, { refs: ChunkRef[]; memory?: EntryBatch }>();
  const of = (fp: string) => {
    let s = streams.get(fp);
    if (!s) streams.set(fp, (s = { refs: [] }));
    return s;
  };
  for (const r of refs) of(r.fingerprint).refs.push(r);
  for (const m of memory) if (m.batch.ts.length) of(m.fp).memory = m.batch;
  const out: Piece[] = [];
  for (const s of streams.values()) out.push(...streamPieces(s.refs, s.memory));
  return out;
}

/**
 * One stream's pieces: chunks and memory whose time ranges meet (an equal time counts: one entry
 * may be in both) go together. Each sweep step extends the piece it is in or starts the next.
 */
function streamPieces(refs: ChunkRef[], memory: EntryBatch | undefined): Piece[] {
  const spans: Array<{ from: bigint; through: bigint; ref?: ChunkRef }> = refs.map((ref) => ({ from: ref.from, through: ref.through, ref }));
  if (memory) spans.push({ from: memory.ts[0], through: memory.ts[memory.ts.length - 1] });
  spans.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const labels = refs[0]?.labels ?? memory!.labels;
  const out: Piece[] = [];
  let cur: Piece | undefined;
  for (const s of spans) {
    if (!cur || s.from > cur.through) out.push((cur = { labels, from: s.from, through: s.through, refs: [] }));
    else if (s.through > cur.through) cur.through = s.through;
    if (s.ref) cur.refs.push(s.ref);
    else cur.memory = memory;
  }
  return out;
}

/** The pieces in the order a log query wants entries: backward newest end first, forward oldest start first. */
export function inDirection(pieces: Piece[], direction: Direction): Piece[] {
  const sorted = [...pieces];
  if (direction === 'forward') sorted.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  else sorted.sort((a, b) => (a.through > b.through ? -1 : a.through < b.through ? 1 : 0));
  return sorted;
}
