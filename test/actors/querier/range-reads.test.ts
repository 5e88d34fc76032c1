// A querier reads a stored chunk in part: its header and block index first, then only the blocks it
// needs, by range reads. A log query whose match is in the newest block fetches and decompresses
// that block (and at most the one after it in its direction), not the chunk; a count without a
// filter takes blocks by their index totals and fetches almost nothing; on the filesystem and S3.
import test, { type ExecutionContext } from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { startS3 } from '../../helpers/s3.ts';
import { metricValue, pushJson, queryRange, waitFor, type StreamsData } from '../../helpers/loki.ts';

const S = 1_000_000_000n;
const LINES = 5000;
const BLOCK_BYTES = 16 * 1024;

interface Store {
  totalChunksRef: number;
  totalChunksDownloaded: number;
  chunk: { compressedBytes: number; decompressedLines: number; decompressedBytes: number };
}
const storeOf = (d: StreamsData) => (d.stats as { querier: { store: Store } }).querier.store;

/** Lines that hardly compress, so the one chunk is far larger than a block. */
function noise(i: number): string {
  let x = (i + 1) * 2654435761;
  let out = '';
  for (let k = 0; k < 40; k++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += x.toString(36).slice(0, 7);
  }
  return `i=${i} ${out}`;
}

async function check(t: ExecutionContext, flags: Record<string, string>) {
  // a loaded CI machine flushes to s3rver slowly (retries included): the waits are generous
  t.timeout(180_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, {
    ...flags,
    'ingester.chunk_block_size': String(BLOCK_BYTES),
    'ingester.chunk_idle_period': '1s',
    'ingester.flush_check_period': '100ms',
    'ingester.chunk_retain_period': '0s',
    'limits_config.ingestion_rate_mb': '100',
    'limits_config.ingestion_burst_size_mb': '200',
  });
  const base = (BigInt(Date.now()) * 1_000_000n / (1800n * S)) * (1800n * S) - 20n * 60n * S;
  const values: Array<[string, string]> = [];
  for (let i = 0; i < LINES; i++) values.push([String(base + BigInt(i) * 100_000_000n), i === 0 ? `first-needle ${noise(i)}` : i === LINES - 1 ? `last-needle ${noise(i)}` : noise(i)]);
  // one push: pushes a busy machine spaced past chunk_idle_period would cut the stream into several chunks
  t.is((await pushJson(url, { streams: [{ stream: { app: 'rr' }, values }] })).status, 204);
  const flushed = async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= 1 && (await metricValue(url, 'loki_ingester_memory_streams')) === 0;
  await waitFor('the chunk flushed and gone from memory', flushed, 90_000).catch(async (err: Error) => {
    // say what the node was doing (a purge of a fresh log once deleted this push: bus/ingest-log.ts)
    const figures = await Promise.all(
      ['loki_ingester_chunks_flushed_total', 'loki_ingester_chunks_flush_failures_total', 'loki_ingester_memory_streams', 'muninn_ingester_reader_restarts_total'].map(async (m) => `${m} ${await metricValue(url, m)}`),
    );
    const ready = await (await fetch(`${url}/ready`)).text();
    throw new Error(`${err.message}: ${figures.join(', ')}; /ready says ${ready.trim()}`);
  });
  const range = { start: String(base), end: String(base + BigInt(LINES) * 100_000_000n) };

  const whole = await queryRange(url, { query: '{app="rr"}', ...range, limit: String(LINES) });
  t.is(whole.result[0].values.length, LINES);
  const all = storeOf(whole);
  t.is(all.totalChunksRef, 1);
  t.is(all.chunk.decompressedLines, LINES);
  const chunkBytes = all.chunk.compressedBytes;
  t.true(chunkBytes > 20 * BLOCK_BYTES, `one chunk of ${chunkBytes} bytes`);

  for (const [direction, needle, line] of [
    ['backward', 'last-needle', values[LINES - 1]],
    ['forward', 'first-needle', values[0]],
  ] as const) {
    const got = await queryRange(url, { query: `{app="rr"} |= "${needle}"`, ...range, limit: '1', direction });
    t.deepEqual(got.result[0].values, [line]);
    const s = storeOf(got);
    t.is(s.totalChunksDownloaded, 1);
    // the block holding it, and the next in its direction fetched meanwhile
    t.true(s.chunk.decompressedBytes <= BLOCK_BYTES + 512, `${direction}: ${s.chunk.decompressedBytes} bytes decompressed`);
    t.true(s.chunk.compressedBytes < chunkBytes / 10, `${direction}: ${s.chunk.compressedBytes} of the chunk's ${chunkBytes} bytes fetched`);
  }

  // a count takes blocks by their totals: it fetches the index and the blocks a window cuts
  const end = BigInt(range.end) / S + 3600n;
  const res = await fetch(`${url}/loki/api/v1/query_range?${new URLSearchParams({ query: 'sum(count_over_time({app="rr"}[2h]))', start: String(end), end: String(end), step: '60' })}`, { headers: { 'Cache-Control': 'no-cache' } });
  const count = (await res.json()) as { data: { result: Array<{ values: Array<[number, string]> }>; stats: { querier: { store: Store } } } };
  t.is(count.data.result[0].values[0][1], String(LINES));
  t.true(count.data.stats.querier.store.chunk.compressedBytes < chunkBytes / 10, `count: ${count.data.stats.querier.store.chunk.compressedBytes} of ${chunkBytes} bytes fetched`);
}

// one at a time: two nodes, s3rver and the test in one process flush slowly on a loaded machine
test.serial('on the filesystem, a query reads only the blocks it needs of a chunk, by range reads', (t) => check(t, {}));

test.serial('on S3, a query reads only the blocks it needs of a chunk, by range reads', async (t) => {
  const s3 = await startS3(t);
  await check(t, s3.flags);
});
