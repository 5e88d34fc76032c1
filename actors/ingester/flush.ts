// Decides when a stream's chunk is cut: full, max_age or idle, as Loki's ingester does.

/**
 * Why a chunk was cut, as loki_ingester_chunks_flushed_total{reason} says: the three a flush
 * round decides, `forced` at a stop with flush_on_shutdown, `not_owned` when its partition is
 * handed to another ingester (Loki's names).
 */
export type FlushReason = 'full' | 'max_age' | 'idle' | 'forced' | 'not_owned';

export interface FlushLimits {
  /** Compressed bytes a chunk aims at. */
  chunk_target_size: number;
  max_chunk_age_ms: number;
  chunk_idle_period_ms: number;
}

export interface HeadState {
  /** Compressed size the head would have as a chunk (estimated from its blocks). */
  compressedBytes: number;
  entries: number;
  firstAppendAt: number;
  lastAppendAt: number;
}

export function flushReason(head: HeadState, now: number, limits: FlushLimits): FlushReason | undefined {
  if (head.entries === 0) return undefined;
  if (head.compressedBytes >= limits.chunk_target_size) return 'full';
  if (now - head.firstAppendAt >= limits.max_chunk_age_ms) return 'max_age';
  if (now - head.lastAppendAt >= limits.chunk_idle_period_ms) return 'idle';
  return undefined;
}
