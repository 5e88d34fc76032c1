// What a querier counts while it reads a sub-query's data, and Loki's `data.stats` block made of it
// (Grafana shows the summary): so a user can see how much of the data a query had to read.

/** Counts for Loki's `stats` block. */
export interface ReadStats {
  /** Chunks the index named for the query. */
  chunksRef: number;
  /** Chunks fetched from the store, and their (compressed) bytes. */
  chunksDownloaded: number;
  chunkBytes: number;
  /** Blocks decompressed: their raw bytes and entries. */
  decompressedBytes: number;
  decompressedLines: number;
  /** Entries of chunks, and of ingester memory, handed to the evaluator. */
  storeEntries: number;
  ingesterEntries: number;
  /** Entries the evaluator went through (counted whole where a count needed no more), and their lines' bytes. */
  linesProcessed: number;
  bytesProcessed: number;
}

export const newReadStats = (): ReadStats => ({
  chunksRef: 0,
  chunksDownloaded: 0,
  chunkBytes: 0,
  decompressedBytes: 0,
  decompressedLines: 0,
  storeEntries: 0,
  ingesterEntries: 0,
  linesProcessed: 0,
  bytesProcessed: 0,
});

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
        totalChunksRef: s.chunksRef,
        totalChunksDownloaded: s.chunksDownloaded,
        chunk: {
          compressedBytes: s.chunkBytes,
          decompressedBytes: s.decompressedBytes,
          decompressedLines: s.decompressedLines,
          totalLinesSent: s.storeEntries,
        },
      },
    },
    ingester: {
      totalReached: 0,
      store: { chunk: { totalLinesSent: s.ingesterEntries } },
    },
  };
}
