// A count over a bare selector takes a block that lies whole inside the windows it meets by its
// index entry (entries, line bytes), without decompressing it: its answers must be those of the
// entry-by-entry path (forced by an empty line filter) over real chunks, at several alignments,
// while decompressing a fraction of the lines.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, TINY_CHUNKS } from '../../helpers/node.ts';
import { get, metricValue, pushJson, waitFor } from '../../helpers/loki.ts';

const S = 1_000_000_000n;
const ROUNDS = 8;
/** Entries per stream and round, 100 ms apart: a round is 4 s, a 512-byte block well under one. */
const PER_ROUND = 40;

interface Answer {
  result: unknown;
  stats: { summary: { totalLinesProcessed: number }; querier: { store: { chunk: { decompressedLines: number } } } };
}

async function ask(url: string, path: string, params: Record<string, string>): Promise<Answer> {
  const res = await get(url, path, params);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} ${res.status}: ${text}`);
  return (JSON.parse(text) as { data: Answer }).data;
}

test('counts read from block totals equal counts entry by entry, and decompress a fraction of the lines', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { ...TINY_CHUNKS, 'ingester.chunk_retain_period': '0s' });
  const base = (BigInt(Date.now() - 20 * 60_000) * 1_000_000n / S) * S;
  // pods 1 and 2 plain; pod 3 with structured metadata now and then (its blocks must be read:
  // metadata makes series of its own); pod 2 sends round 3's last entry again in round 4, so two
  // of its chunks overlap and are merged
  for (let r = 0; r < ROUNDS; r++) {
    const at = (k: number) => String(base + BigInt(r * PER_ROUND + k) * (S / 10n));
    const line = (pod: number, k: number) => `pod ${pod} round ${r} entry ${k} ${'y'.repeat((k * 7) % 30)}`;
    const streams = [1, 2].map((pod) => ({ stream: { app: 'cnt', pod: String(pod) }, values: Array.from({ length: PER_ROUND }, (_, k) => [at(k), line(pod, k)]) }));
    if (r === 4) streams[1].values.unshift([String(BigInt(at(0)) - S / 10n), `pod 2 round 3 entry ${PER_ROUND - 1} ${'y'.repeat(((PER_ROUND - 1) * 7) % 30)}`]);
    streams.push({ stream: { app: 'cnt', pod: '3' }, values: Array.from({ length: 8 }, (_, k) => (k % 3 ? [at(k * 5), line(3, k)] : [at(k * 5), line(3, k), { trace: `t${k % 2}` }])) as never });
    const res = await pushJson(url, { streams });
    t.is(res.status, 204, await res.text());
    await waitFor(`round ${r} flushed`, async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= 3 * (r + 1));
  }
  await waitFor('flushed chunks to leave memory', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);

  const seconds = (ns: bigint) => (Number(ns / 1_000_000n) / 1000).toFixed(3);
  const ops = ['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate'];
  const wraps = ['', 'sum', 'sum by (pod)', 'sum without (trace)', 'count'];
  let k = 0;
  for (const r of ['1s', '5s', '1m'])
    for (const step of ['1', '2', '5'])
      for (const offset of ['', ' offset 2s']) {
        const op = ops[k % ops.length];
        const wrap = wraps[k % wraps.length];
        k++;
        const q = (filter: string) => (wrap ? `${wrap} (${op}({app="cnt"}${filter} [${r}]${offset}))` : `${op}({app="cnt"}${filter} [${r}]${offset})`);
        const params = { start: seconds(base + 300_000_000n), end: seconds(base + 33n * S), step };
        const counted = await ask(url, '/loki/api/v1/query_range', { query: q(''), ...params });
        const read = await ask(url, '/loki/api/v1/query_range', { query: q(' |= ""'), ...params });
        t.deepEqual(counted.result, read.result, q(''));
        t.true(Array.isArray(counted.result) && counted.result.length > 0, q(''));
        for (const time of [seconds(base + 17n * S + 50_000_000n), seconds(base + 32n * S)])
          t.deepEqual((await ask(url, '/loki/api/v1/query', { query: q(''), time })).result, (await ask(url, '/loki/api/v1/query', { query: q(' |= ""'), time })).result, `${q('')} at ${time}`);
      }

  // windows of a minute every 15 s leave nearly every block whole: counted without decompressing
  const params = { start: seconds(base), end: seconds(base + 40n * S), step: '15' };
  const counted = await ask(url, '/loki/api/v1/query_range', { query: 'sum(count_over_time({app="cnt"}[1m]))', ...params });
  const read = await ask(url, '/loki/api/v1/query_range', { query: 'sum(count_over_time({app="cnt"} |= "" [1m]))', ...params });
  t.deepEqual(counted.result, read.result);
  t.is(counted.stats.summary.totalLinesProcessed, read.stats.summary.totalLinesProcessed);
  const [few, all] = [counted, read].map((a) => a.stats.querier.store.chunk.decompressedLines);
  t.true(few < all / 2, `${few} of ${all} lines decompressed`);
});
