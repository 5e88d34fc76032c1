// Column-wise entries and pushed streams as plain objects, for tests to compare with what they expect.
import type { PushEntry, PushStream } from '../../actors/distributor/push-stream.ts';
import type { EntryColumns } from '../../model/batch.ts';

export function entriesOf(c: EntryColumns): PushEntry[] {
  return Array.from(c.ts, (ts, i) => {
    const e: PushEntry = { ts, line: c.lines.toString('utf8', c.offsets[i], c.offsets[i + 1]) };
    const m = c.metadata?.[i];
    if (m) e.metadata = m.map(([n, v]) => [n, v]);
    return e;
  });
}

export const streamsOf = (streams: readonly PushStream[]): Array<{ labels: string; entries: PushEntry[] }> =>
  streams.map((s) => ({ labels: s.labels, entries: entriesOf(s.entries) }));
