// What a querier counts while it reads a sub-query's data, and Loki's `data.stats` block made of it
// (Grafana shows the summary): so a user can see how much of the data a query had to read.

/** Counts for Loki's `stats` block. */
export interface ReadStats {
  /** Chunks the index named for the query. */
  chunksRef: number;
  /** Chunks fetched from the store, their (compressed) bytes, and the time fetching them took (ns). */
  chunksDownloaded: number;
  chunkBytes: number;
  chunksDownloadTime: number;
  /** Blocks decompressed: their raw bytes and entries. */
  decompressedBytes: number;
  decompressedLines: number;
  /** Entries of chunks, and of ingester memory (and its lines' bytes), handed to the evaluator. */
  storeEntries: number;
  ingesterEntries: number;
  ingesterBytes: number;
  /** Ingesters that answered, and the streams they sent. */
  ingestersReached: number;
  ingesterStreams: number;
  /** Entries found both in a chunk and in memory (or in two chunks) and read once. */
  duplicates: number;
  /** Entries the evaluator went through (counted whole where a count needed no more), and their lines' bytes. */
  linesProcessed: number;
  bytesProcessed: number;
}

export const newReadStats = (): ReadStats => ({
  chunksRef: 0,
  chunksDownloaded: 0,
  chunkBytes: 0,
  chunksDownloadTime: 0,
  decompressedBytes: 0,
  decompressedLines: 0,
  storeEntries: 0,
  ingesterEntries: 0,
  ingesterBytes: 0,
  ingestersReached: 0,
  ingesterStreams: 0,
  duplicates: 0,
  linesProcessed: 0,
  bytesProcessed: 0,
});

/** Loki's stats object with nothing counted: what a frontend adds its pieces' stats to. */
export function emptyStats(): LokiStats {
  const s = statsBlock(newReadStats(), 0);
  s.summary.subqueries = 0;
  return s;
}

export type LokiStats = ReturnType<typeof statsBlock>;

/** Loki's store block (the querier's, or the ingesters'). */
const storeBlock = (s: Partial<ReadStats>, head: { bytes: number; lines: number }) => ({
  totalChunksRef: s.chunksRef ?? 0,
  totalChunksDownloaded: s.chunksDownloaded ?? 0,
  chunksDownloadTime: s.chunksDownloadTime ?? 0,
  chunk: {
    headChunkBytes: head.bytes,
    headChunkLines: head.lines,
    decompressedBytes: s.decompressedBytes ?? 0,
    decompressedLines: s.decompressedLines ?? 0,
    compressedBytes: s.chunkBytes ?? 0,
    totalDuplicates: s.duplicates ?? 0,
  },
});

const noCache = () => ({ entriesFound: 0, entriesRequested: 0, entriesStored: 0, bytesReceived: 0, bytesSent: 0, requests: 0, downloadTime: 0 });

/**
 * Loki's whole `stats` object (what Grafana's query inspector shows) for one sub-query; the
 * frontend adds those of all pieces up and fills in splits, shards and the results cache.
 * Ingesters' memory is Loki's "head chunk": it is counted on the ingester side.
 */
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
      splits: 0,
      shards: 0,
    },
    querier: { store: storeBlock(s, { bytes: 0, lines: 0 }) },
    ingester: {
      totalReached: s.ingestersReached,
      totalChunksMatched: s.ingesterStreams,
      totalBatches: s.ingestersReached,
      totalLinesSent: s.ingesterEntries,
      store: storeBlock({}, { bytes: s.ingesterBytes, lines: s.ingesterEntries }),
    },
    cache: { chunk: noCache(), index: noCache(), result: noCache() },
  };
}
