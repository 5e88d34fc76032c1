// A partition's reader that has, for STALL_MS, neither handed over a message nor found the log's
// head, while the log holds messages past what it read, is stuck somewhere no retry of its own
// reaches (its pulls end within seconds, its retries wait at most 5 s): the ingester reads that
// partition anew from where it stood, and says where the old reader was. Such a reader would leave
// its partition unread with nothing logged and /ready still saying ready; this bounds the stall
// whatever its cause, and names the reader's phase so the cause can be found.
import type { Partition } from './partition.ts';

export const STALL_MS = 30_000;

/** The partitions whose readers are stuck now; `lastSeq` is the log's last sequence for a partition (0 when it does not answer). */
export async function stalledReaders(parts: Iterable<Partition>, lastSeq: (p: number) => Promise<number>, now = Date.now()): Promise<Partition[]> {
  const quiet = [...parts].filter((p) => !p.dropped && p.reader && now - p.progressAt >= STALL_MS);
  const heads = await Promise.all(quiet.map((p) => lastSeq(p.id)));
  // a log that does not answer (NATS down) says 0: its readers are retrying, not stuck
  return quiet.filter((p, i) => heads[i] > p.consumed);
}
