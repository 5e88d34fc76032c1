import test from 'ava';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Codec } from '../../storage/index.ts';
import { startNats } from '../helpers/nats.ts';
import { startTestNode } from '../helpers/node.ts';
import { flatten, metricValue, pushJson, queryRange, streamBody, waitFor } from '../helpers/loki.ts';

// Ten lines a second apart in two streams, pushed out of order to show the answer is sorted.
const base = BigInt(Date.now() - 60_000) * 1_000_000n;
const at = (i: number) => String(base + BigInt(i) * 1_000_000_000n);
const appLines = [0, 2, 4, 6, 8].map((i) => [at(i), `app line ${i} level=info`] as [string, string]);
const dbLines = [1, 3, 5, 7, 9].map((i) => [at(i), `db line ${i} level=${i % 3 ? 'info' : 'error'}`] as [string, string]);
const range = { start: at(0), end: at(10) };

async function pushAll(url: string) {
  const r1 = await pushJson(url, streamBody({ job: 'app', env: 'prod' }, [...appLines].reverse()));
  const r2 = await pushJson(url, streamBody({ job: 'db', env: 'prod' }, dbLines));
  return [r1.status, r2.status];
}

/** The checks both the in-memory and the flushed case must pass. */
async function checkAnswers(t: import('ava').ExecutionContext, url: string) {
  const all = [...appLines, ...dbLines].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([ts, l]) => `${ts} ${l}`);

  const backward = await queryRange(url, { query: '{env="prod"}', ...range, limit: '100' });
  t.is(backward.resultType, 'streams');
  t.deepEqual(flatten(backward).sort(), [...all].sort());
  const app = backward.result.find((s) => s.stream.job === 'app')!;
  t.deepEqual(app.stream, { env: 'prod', job: 'app' });
  t.deepEqual(app.values, [...appLines].reverse(), 'backward: newest first');

  const forward = await queryRange(url, { query: '{env="prod"}', ...range, direction: 'forward' });
  t.deepEqual(forward.result.find((s) => s.stream.job === 'db')!.values, dbLines, 'forward: oldest first');

  // the limit keeps the newest entries across all streams
  const newest3 = await queryRange(url, { query: '{env="prod"}', ...range, limit: '3' });
  t.deepEqual(flatten(newest3).sort(), all.slice(-3).sort());
  const oldest4 = await queryRange(url, { query: '{env="prod"}', ...range, limit: '4', direction: 'forward' });
  t.deepEqual(flatten(oldest4).sort(), all.slice(0, 4).sort());

  // selectors and line filter chains
  const filtered = await queryRange(url, { query: '{job=~"d.*", env!="dev"} |= "level" != "info" |~ "line [0-9]"', ...range });
  t.deepEqual(flatten(filtered), [`${at(9)} db line 9 level=error`, `${at(3)} db line 3 level=error`]);
  const none = await queryRange(url, { query: '{env="prod", job!~"app|db"}', ...range });
  t.deepEqual(none.result, []);

  const stats = backward.stats as { summary: { totalEntriesReturned: number } };
  t.is(stats.summary.totalEntriesReturned, 10);
}

for (const encoding of ['zstd', 'brotli', 'lz4'] as const)
  test(`pushed lines are answered exactly and in order, from memory and after a flush to the store (chunks stored as ${encoding})`, async (t) => {
    const nats = await startNats(t);
    const { url, dataDir } = await startTestNode(t, nats.url, { 'ingester.chunk_idle_period': '2s', 'ingester.chunk_retain_period': '0s', 'ingester.chunk_encoding': encoding });
    t.deepEqual(await pushAll(url), [204, 204]);

    await checkAnswers(t, url); // straight from ingester memory

    await waitFor('both streams to flush', async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total', { reason: 'idle' })) >= 2);
    await waitFor('flushed chunks to leave memory', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);
    await checkAnswers(t, url); // now only in the store
    const files = (await readdir(dataDir, { recursive: true })).map((f) => join(dataDir, f));
    const chunks = [];
    for (const f of files) if (f.includes(`${sep}chunks${sep}`) && (await stat(f)).isFile()) chunks.push(f);
    t.is(chunks.length, 2);
    for (const f of chunks) t.is((await readFile(f))[5], Codec[encoding], `the codec byte of ${f}`);
  });

test('labels, label values and series list what was pushed', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  t.deepEqual(await pushAll(url), [204, 204]);
  const q = `start=${range.start}&end=${range.end}`;
  const labels = await (await fetch(`${url}/loki/api/v1/labels?${q}`)).json();
  t.deepEqual(labels, { status: 'success', data: ['env', 'job'] });
  const values = await (await fetch(`${url}/loki/api/v1/label/job/values?${q}`)).json();
  t.deepEqual(values, { status: 'success', data: ['app', 'db'] });
  const series = (await (await fetch(`${url}/loki/api/v1/series?${q}&match[]=${encodeURIComponent('{job="db"}')}`)).json()) as { data: unknown };
  t.deepEqual(series.data, [{ env: 'prod', job: 'db' }]);
});

test('an instant log query and every accepted time format answer the same lines', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  await pushAll(url);
  const ns = await queryRange(url, { query: '{job="app"}', start: at(0), end: at(10) });
  const secs = (s: string) => (Number(BigInt(s) / 1_000_000n) / 1000).toFixed(3);
  const float = await queryRange(url, { query: '{job="app"}', start: secs(at(0)), end: secs(at(10)) });
  const rfc = (s: string) => new Date(Number(BigInt(s) / 1_000_000n)).toISOString();
  const rfc3339 = await queryRange(url, { query: '{job="app"}', start: rfc(at(0)), end: rfc(at(10)) });
  const since = await queryRange(url, { query: '{job="app"}', since: '1h' });
  t.is(flatten(ns).length, 5);
  t.deepEqual(flatten(float), flatten(ns));
  t.deepEqual(flatten(rfc3339), flatten(ns));
  t.deepEqual(flatten(since), flatten(ns));
});

test('a metric range query is split by interval across queriers and merged without gaps or doubles', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'query_range.split_queries_by_interval': '3s' });
  await pushAll(url);
  const res = await fetch(`${url}/loki/api/v1/query_range?${new URLSearchParams({ query: 'sum(count_over_time({env="prod"}[1s]))', start: at(0), end: at(10), step: '1' })}`);
  t.is(res.status, 200);
  const body = (await res.json()) as { data: { resultType: string; result: Array<{ metric: object; values: Array<[number, string]> }>; stats: { summary: { subqueries: number } } } };
  t.is(body.data.resultType, 'matrix');
  t.is(body.data.result.length, 1);
  const values = body.data.result[0].values;
  t.is(values.reduce((n, [, v]) => n + Number(v), 0), 10, 'every line counted once');
  t.is(new Set(values.map(([ts]) => ts)).size, values.length, 'no step twice');
  t.true(body.data.stats.summary.subqueries >= 3);
  const instant = (await (await fetch(`${url}/loki/api/v1/query?${new URLSearchParams({ query: 'count_over_time({job="db"}[1m])', time: at(10) })}`)).json()) as { data: unknown };
  t.deepEqual(instant.data, { resultType: 'vector', result: [{ metric: { env: 'prod', job: 'db' }, value: [Number(BigInt(at(10)) / 1_000_000n) / 1000, '5'] }], stats: (instant.data as { stats: unknown }).stats });
});

test('structured metadata pushed with an entry comes back as labels and can be filtered on', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'ingester.chunk_idle_period': '500ms', 'ingester.flush_check_period': '100ms', 'ingester.chunk_retain_period': '0s' });
  const body = { streams: [{ stream: { job: 'meta' }, values: [[at(1), 'with trace', { trace_id: 'abc' }], [at(2), 'without trace']] }] };
  t.is((await pushJson(url, body)).status, 204);
  const check = async () => {
    const all = await queryRange(url, { ...range, query: '{job="meta"}', direction: 'forward' });
    t.deepEqual(all.result.map((s) => [s.stream, s.values.map(([, l]) => l)]), [
      [{ job: 'meta', trace_id: 'abc' }, ['with trace']],
      [{ job: 'meta' }, ['without trace']],
    ]);
    const filtered = await queryRange(url, { ...range, query: '{job="meta"} | trace_id="abc"' });
    t.deepEqual(flatten(filtered), [`${at(1)} with trace`]);
  };
  await check();
  await waitFor('the flush', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);
  await check(); // metadata survives the chunk format
});

test('a parser query returns extracted labels per stream, and a scalar query a scalar, in Loki\'s JSON shape', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  await pushAll(url);
  const parsed = await queryRange(url, { query: '{job="db"} | logfmt level | level="error"', ...range, direction: 'forward' });
  t.is(parsed.resultType, 'streams');
  t.deepEqual(parsed.result.map((s) => [s.stream, s.values]), [[{ env: 'prod', job: 'db', level: 'error' }, [[at(3), 'db line 3 level=error'], [at(9), 'db line 9 level=error']]]]);
  const scalar = (await (await fetch(`${url}/loki/api/v1/query?${new URLSearchParams({ query: '2 * 3 + 1', time: '1700000000' })}`)).json()) as { data: { resultType: string; result: unknown } };
  t.deepEqual([scalar.data.resultType, scalar.data.result], ['scalar', [1700000000, '7']]);
  const top = (await (await fetch(`${url}/loki/api/v1/query?${new URLSearchParams({ query: 'topk(1, sum by (level) (count_over_time({env="prod"} | logfmt [1m])))', time: at(10) })}`)).json()) as { data: { resultType: string; result: Array<{ metric: object; value: [number, string] }> } };
  t.deepEqual(top.data.result.map((r) => [r.metric, r.value[1]]), [[{ level: 'info' }, '8']]);
});
