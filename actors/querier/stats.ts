// Loki's `data.stats` block, filled with what a querier measured (Grafana shows the summary).
import type { ReadStats } from './source.ts';

export function statsBlock(s: ReadStats, execMs: number) {
  const execTime = execMs / 1000;
  const rate = (n: number) => (execTime > 0 ? Math.round(n / execTime) : 0);
  return {
    summary: {
      bytesProcessedPerSecond: rate(s.bytesProcessed),
      linesProcessedPerSecond: rate(s.linesProcessed),
      totalBytesProcessed: s.bytesProcessed,
      totalLinesProcessed: s.linesProcessed,
      execTime,
      queueTime: 0,
      subqueries: 1,
      totalEntriesReturned: 0,
    },
    querier: {
      store: {
        totalChunksRef: s.chunksRead,
        totalChunksDownloaded: s.chunksRead,
        chunk: { compressedBytes: s.chunkBytes, totalLinesSent: s.storeEntries },
      },
    },
    ingester: {
      totalReached: 0,
      store: { chunk: { totalLinesSent: s.ingesterEntries } },
    },
  };
}
