// An ingester's answer to a volume question (bus/ingester-volume.ts): what its memory holds of
// some streams, counted per window without decompressing a block. A chunk cut and still held
// comes as a part of its own, named by its highest ingest-log sequence, so a querier that finds
// it in the index too counts it once; the head is a part no index row holds. Blocks are spans
// shared among windows by time (model/windows.ts); the open block's entries count one by one.
import type { MemoryPart, StreamVolume } from '../../bus/index.ts';
import { Windows } from '../../model/windows.ts';
import type { StreamActor } from './stream.ts';

/** The parts of each stream that hold anything in the windows; streams with none are left out. */
export function streamVolumes(streams: Iterable<StreamActor>, windows: Windows): StreamVolume[] {
  const out: StreamVolume[] = [];
  for (const s of streams) {
    const parts: MemoryPart[] = [];
    for (const c of s.heldChunks()) {
      const counts = tally(windows, (add) => {
        for (const b of c.blocks) add(b.minTs, b.maxTs, b.entries, b.lineBytes);
      });
      if (counts.length) parts.push({ maxSeq: c.maxSeq, counts });
    }
    const head = tally(windows, (add) => s.headSpans(add));
    if (head.length) parts.push({ counts: head });
    if (parts.length) out.push({ fp: s.fp, labels: s.labelsText, parts });
  }
  return out;
}

type Spans = (add: (minTs: bigint, maxTs: bigint, entries: number, bytes: number) => void) => void;

/** The spans' counts per window, as flat triples (window, entries, bytes), windows in order. */
function tally(windows: Windows, spans: Spans): number[] {
  const byWindow = new Map<number, [number, number]>();
  spans((minTs, maxTs, entries, bytes) =>
    windows.spread(minTs, maxTs, entries, bytes, (i, e, b) => {
      const at = byWindow.get(i);
      if (at) {
        at[0] += e;
        at[1] += b;
      } else byWindow.set(i, [e, b]);
    }),
  );
  const out: number[] = [];
  for (const i of [...byWindow.keys()].sort((a, b) => a - b)) out.push(i, ...byWindow.get(i)!);
  return out;
}
