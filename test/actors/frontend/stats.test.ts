// Responses carry Loki's whole `stats` object, as Grafana's query inspector reads it: every field
// of Loki's shape present, and the counts true to what the query did (splits, shards, chunks
// read from the store, lines from ingester memory, entries found in both and given once).
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, TINY_CHUNKS } from '../../helpers/node.ts';
import { metricValue, pushJson, waitFor } from '../../helpers/loki.ts';
import { splitLogRange, splitStepRange } from '../../../actors/frontend/split.ts';
import { alignedRange } from '../../../logql/eval/steps.ts';

const S = 1_000_000_000n;

/** Loki 2.8's stats object: every key, each number a number. */
const cache = { entriesFound: 0, entriesRequested: 0, entriesStored: 0, bytesReceived: 0, bytesSent: 0, requests: 0, downloadTime: 0 };
const store = {
  totalChunksRef: 0,
  totalChunksDownloaded: 0,
  chunksDownloadTime: 0,
  chunk: { headChunkBytes: 0, headChunkLines: 0, decompressedBytes: 0, decompressedLines: 0, compressedBytes: 0, totalDuplicates: 0 },
};
const LOKI_SHAPE = {
  summary: {
    bytesProcessedPerSecond: 0,
    linesProcessedPerSecond: 0,
    totalBytesProcessed: 0,
    totalLinesProcessed: 0,
    execTime: 0,
    queueTime: 0,
    subqueries: 0,
    totalEntriesReturned: 0,
    splits: 0,
    shards: 0,
  },
  querier: { store },
  ingester: { totalReached: 0, totalChunksMatched: 0, totalBatches: 0, totalLinesSent: 0, store },
  cache: { chunk: cache, index: cache, result: cache },
};

/** The object's shape with every number made 0, to compare with Loki's. */
const shape = (o: unknown): unknown =>
  typeof o === 'number' ? 0 : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, shape(v)])) : o;

interface Stats {
  summary: Record<string, number>;
  querier: { store: { totalChunksRef: number; totalChunksDownloaded: number; chunk: Record<string, number> } };
  ingester: { totalReached: number; totalLinesSent: number; store: { chunk: Record<string, number> } };
}

async function statsOf(url: string, params: Record<string, string>): Promise<{ stats: Stats; entries: number }> {
  const res = await fetch(`${url}/loki/api/v1/query_range?${new URLSearchParams(params)}`, { headers: { 'Cache-Control': 'no-cache' } });
  const body = (await res.json()) as { data: { resultType: string; result: Array<{ values: unknown[] }>; stats: Stats } };
  return { stats: body.data.stats, entries: body.data.result.reduce((n, s) => n + s.values.length, 0) };
}

test("a query's stats are Loki's whole object, with what it read from the store and from memory", async (t) => {
  const nats = await startNats(t);
  // chunks flushed at once and kept in memory for the retain period: every entry is in both
  const { url } = await startTestNode(t, nats.url, { ...TINY_CHUNKS, 'ingester.chunk_retain_period': '5m' });
  const nowS = BigInt(Math.floor(Date.now() / 1000));
  const values: Array<[string, string]> = Array.from({ length: 50 }, (_, i) => [String((nowS - 120n + BigInt(i)) * S), `level=info n=${i} ${'x'.repeat(100)}`]);
  t.is((await pushJson(url, { streams: [{ stream: { app: 'st' }, values }] })).status, 204);
  await waitFor('a flush', async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= 1);

  const range = { start: String(nowS - 3600n), end: String(nowS + 60n) };
  const HALF_HOUR = 1800n * S;
  const splits = splitLogRange((nowS - 3600n) * S, (nowS + 60n) * S, HALF_HOUR).length;
  const grid = alignedRange((nowS - 3600n) * S, (nowS + 60n) * S, 60e9);
  const metricSplits = splitStepRange(grid.start, grid.end, 60n * S, HALF_HOUR).length;
  const log = await statsOf(url, { query: '{app="st"}', limit: '1000', ...range });
  t.deepEqual(shape(log.stats), LOKI_SHAPE);
  const s = log.stats;
  t.is(log.entries, 50);
  t.is(s.summary.totalEntriesReturned, 50);
  t.true(splits >= 3);
  t.is(s.summary.splits, splits, 'an hour and a minute in 30-minute splits');
  t.is(s.summary.shards, splits * 4, 'each split in 4 shards (half the 8 of a metric query)');
  t.true(s.summary.execTime > 0);
  t.true(s.querier.store.totalChunksRef >= 1);
  t.is(s.querier.store.totalChunksDownloaded, s.querier.store.totalChunksRef);
  t.true(s.querier.store.chunk.compressedBytes > 0);
  t.true(s.querier.store.chunk.decompressedBytes >= 50 * 100);
  t.is(s.querier.store.chunk.decompressedLines, 50);
  t.is(s.ingester.totalReached, splits * 4, 'one ingester answered each sub-query');
  t.is(s.ingester.totalLinesSent, 50);
  t.is(s.ingester.store.chunk.headChunkLines, 50);
  t.true(s.ingester.store.chunk.headChunkBytes >= 50 * 100);
  t.is(s.querier.store.chunk.totalDuplicates, 50, 'every entry was both in a chunk and in memory');

  const metric = await statsOf(url, { query: 'sum(count_over_time({app="st"}[1m]))', step: '60', ...range });
  t.deepEqual(shape(metric.stats), LOKI_SHAPE);
  t.is(metric.stats.summary.splits, metricSplits);
  t.is(metric.stats.summary.shards, metricSplits * 8);
  t.is(metric.stats.summary.subqueries, metricSplits * 8);
  t.is(metric.stats.summary.totalEntriesReturned, 0);
  t.is(metric.stats.summary.totalLinesProcessed, 50);
});
