import test, { type ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { FilesystemStore } from '../../storage/filesystem-store.ts';
import { startNats } from '../helpers/nats.ts';
import { startTestNode, tempDir } from '../helpers/node.ts';
import { get, metricValue, pushJson, waitFor } from '../helpers/loki.ts';

// Three streams over two one-minute windows, lines of different lengths so every sum is its own.
const MINUTE = 60_000_000_000n;
const T0 = ((BigInt(Date.now()) * 1_000_000n - 30n * MINUTE) / MINUTE) * MINUTE;
const at = (s: number) => String(T0 + BigInt(s) * 1_000_000_000n);
const apiA = { app: 'api', env: 'prod', pod: 'a' };
const apiB = { app: 'api', env: 'prod', pod: 'b' };
const web = { app: 'web', env: 'dev' };
type Line = [string, string];
const pushed: Array<{ labels: Record<string, string>; window: 0 | 1; values: Line[] }> = [
  { labels: apiA, window: 0, values: [[at(5), 'GET /a 200'], [at(10), 'GET /a 500 slow'], [at(20), 'POST /a 201']] },
  { labels: apiB, window: 0, values: [[at(30), 'GET /b 200 from pod b, longer']] },
  { labels: apiA, window: 1, values: [[at(65), 'DELETE /a 204'], [at(70), 'GET /a 404']] },
  { labels: web, window: 1, values: [[at(61), 'served index.html'], [at(62), 'served app.js'], [at(63), 'served app.css'], [at(64), 'served favicon.ico, at last']] },
];
const range = { start: at(0), end: at(120) };
/** Bytes of lines of the pushes that pass `keep`, and their count. */
const sum = (keep: (p: (typeof pushed)[number]) => boolean) =>
  pushed.filter(keep).reduce((acc, p) => ({ bytes: acc.bytes + p.values.reduce((n, [, l]) => n + Buffer.byteLength(l), 0), entries: acc.entries + p.values.length }), { bytes: 0, entries: 0 });
const bytesOf = (keep: (p: (typeof pushed)[number]) => boolean) => sum(keep).bytes;
const isApi = (p: (typeof pushed)[number]) => p.labels.app === 'api';
const isPod = (pod: string) => (p: (typeof pushed)[number]) => p.labels.pod === pod;

async function push(url: string, which: Array<(typeof pushed)[number]>, tenant?: string) {
  for (const p of which) {
    const res = await pushJson(url, { streams: [{ stream: p.labels, values: p.values }] }, { tenant });
    if (res.status !== 204) throw new Error(`push: ${res.status} ${await res.text()}`);
  }
}

async function api(url: string, path: string, params: Record<string, string>, tenant?: string): Promise<any> {
  const res = await get(url, `/loki/api/v1/${path}`, params, tenant);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} ${res.status}: ${text}`);
  return JSON.parse(text);
}

const endSeconds = Number(BigInt(range.end) / 1_000_000n) / 1000;
const vector = (series: Array<[Record<string, string>, number]>) => ({
  status: 'success',
  data: { resultType: 'vector', result: series.map(([metric, bytes]) => ({ metric, value: [endSeconds, String(bytes)] })) },
});

/** Every check of counts against what was pushed; `chunks` is what index stats must count. */
async function checkCounts(t: ExecutionContext, url: string, chunks: number) {
  const all = sum(() => true);
  t.deepEqual(await api(url, 'index/stats', { query: '{app=~".+"}', ...range }), { streams: 3, chunks, bytes: all.bytes, entries: all.entries }, 'index stats: no status wrapper, as Loki');
  const apiSum = sum(isApi);
  t.like(await api(url, 'index/stats', { query: '{app="api"}', ...range }), { streams: 2, bytes: apiSum.bytes, entries: apiSum.entries });

  // the series are cut to the labels the selector names
  t.deepEqual(await api(url, 'index/volume', { query: '{app="api"}', ...range }), vector([[{ app: 'api' }, apiSum.bytes]]));
  t.deepEqual(
    await api(url, 'index/volume', { query: '{app=~".+", env=~".+"}', ...range }),
    vector([
      [{ app: 'api', env: 'prod' }, apiSum.bytes],
      [{ app: 'web', env: 'dev' }, bytesOf((p) => p.labels === web)],
    ]),
    'largest first',
  );
  // {} is every stream, with all its labels
  t.deepEqual(
    await api(url, 'index/volume', { query: '{}', ...range }),
    vector(
      [
        [apiA, bytesOf(isPod('a'))],
        [apiB, bytesOf(isPod('b'))],
        [web, bytesOf((p) => p.labels === web)],
      ].sort((a, b) => (b[1] as number) - (a[1] as number)) as Array<[Record<string, string>, number]>,
    ),
  );
  // targetLabels: volumes by those labels only, of the streams that have them
  t.deepEqual(
    await api(url, 'index/volume', { query: '{app=~".+"}', targetLabels: 'pod', ...range }),
    vector(
      [
        [{ pod: 'a' }, bytesOf(isPod('a'))],
        [{ pod: 'b' }, bytesOf(isPod('b'))],
      ].sort((a, b) => (b[1] as number) - (a[1] as number)) as Array<[Record<string, string>, number]>,
    ),
  );
  // aggregateBy=labels: one series per label name, named by it with an empty value
  const byLabel = await api(url, 'index/volume', { query: '{app=~".+"}', aggregateBy: 'labels', ...range });
  t.deepEqual(
    byLabel,
    vector(
      [
        [{ app: '' }, all.bytes],
        [{ env: '' }, all.bytes],
        [{ pod: '' }, apiSum.bytes],
      ] as Array<[Record<string, string>, number]>,
    ),
  );
  t.deepEqual(await api(url, 'index/volume', { query: '{app=~".+"}', aggregateBy: 'labels', targetLabels: 'pod', ...range }), vector([[{ pod: '' }, apiSum.bytes]]));
  // limit keeps the largest
  const top1 = await api(url, 'index/volume', { query: '{}', limit: '1', ...range });
  t.is(top1.data.result.length, 1);
  t.is(top1.data.result[0].value[1], String(Math.max(bytesOf(isPod('a')), bytesOf(isPod('b')), bytesOf((p) => p.labels === web))));

  // volume_range: one sample per one-minute window, stamped as Loki stamps its buckets
  const ranged = await api(url, 'index/volume_range', { query: '{app=~".+"}', targetLabels: 'app', step: '60', ...range });
  const w0 = Number((T0 + MINUTE) / 1_000_000n - 1n) / 1000;
  const series = [
    {
      metric: { app: 'api' },
      values: [
        [w0, String(bytesOf((p) => isApi(p) && p.window === 0))],
        [endSeconds, String(bytesOf((p) => isApi(p) && p.window === 1))],
      ],
    },
    { metric: { app: 'web' }, values: [[endSeconds, String(bytesOf((p) => p.labels === web))]] },
  ];
  // ordered by their first sample, largest first, as Loki orders them
  series.sort((a, b) => Number(b.values[0][1]) - Number(a.values[0][1]));
  t.deepEqual(ranged, { status: 'success', data: { resultType: 'matrix', result: series } });
  // a range with a single sample per series is a vector, as Loki answers it
  t.like(await api(url, 'index/volume_range', { query: '{app="web"}', step: '60', ...range }), { data: { resultType: 'vector', result: [{ metric: { app: 'web' }, value: [endSeconds, String(bytesOf((p) => p.labels === web))] }] } });
}

test('index stats and volume count what was pushed while it is in ingester memory', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  await push(url, pushed);
  await checkCounts(t, url, 3);
});

const flushEarly = { 'ingester.chunk_idle_period': '500ms', 'ingester.flush_check_period': '100ms' };

/** Pushes window by window, each window's streams flushed before the next, so that no chunk crosses a window. */
async function pushFlushed(url: string) {
  await push(url, pushed.filter((p) => p.window === 0));
  await waitFor('the first window to flush', async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= 2);
  await push(url, pushed.filter((p) => p.window === 1));
  await waitFor('the second window to flush', async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= 4);
}

test('index stats and volume count a flushed chunk once while the ingester still holds it', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { ...flushEarly, 'ingester.chunk_retain_period': '1h' });
  await pushFlushed(url);
  t.is(await metricValue(url, 'loki_ingester_memory_streams'), 3, 'the flushed chunks are still in memory');
  await checkCounts(t, url, 4);
});

test('index stats and volume count flushed chunks from the index alone, their bytes the lines\' and not the stored size', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { ...flushEarly, 'ingester.chunk_retain_period': '0s', 'ingester.chunk_encoding': 'lz4' });
  await pushFlushed(url);
  await waitFor('memory to empty', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);
  await checkCounts(t, url, 4);
});

test('a tenant counts only its own streams', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { ...flushEarly, 'ingester.chunk_retain_period': '0s' });
  await push(url, pushed, 'red');
  await push(url, [{ labels: { app: 'api', env: 'prod', pod: 'z' }, window: 0, values: [[at(1), 'a line of blue']] }], 'blue');
  const blue = { bytes: Buffer.byteLength('a line of blue'), entries: 1 };
  const check = async () => {
    t.like(await api(url, 'index/stats', { query: '{app="api"}', ...range }, 'blue'), { streams: 1, ...blue });
    t.like(await api(url, 'index/stats', { query: '{app="api"}', ...range }, 'red'), { streams: 2, ...sum(isApi) });
    t.deepEqual(await api(url, 'index/stats', { query: '{app="api"}', ...range }, 'green'), { streams: 0, chunks: 0, bytes: 0, entries: 0 });
    t.deepEqual(await api(url, 'index/volume', { query: '{}', ...range }, 'blue'), vector([[{ app: 'api', env: 'prod', pod: 'z' }, blue.bytes]]));
    t.deepEqual((await api(url, 'index/volume', { query: '{}', ...range })).data.result, [], 'no header is tenant fake, which has nothing');
  };
  await check();
  await waitFor('memory to empty', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);
  await check();
});

test('bad index stats and volume parameters get 400 with Loki\'s message', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['index/volume', { query: '{app="x"}', aggregateBy: 'streams' }, /^invalid aggregation option$/],
    ['index/volume', { query: '{app="x"}', limit: '-1' }, /^limit must be a positive value$/],
    ['index/volume', { query: '{app="x"}', limit: 'ten' }, /strconv.Atoi: parsing "ten": invalid syntax/],
    ['index/volume', { query: '{app="x"} |= "GET"' }, /^only label matchers are supported$/],
    ['index/volume', { query: 'rate({app="x"}[1m])' }, /^only label matchers are supported$/],
    ['index/volume', { query: '{app=~".*"}' }, /queries require at least one regexp or equality matcher/],
    ['index/volume', { query: '' }, /parse error/],
    ['index/volume', { query: '{app="x"}', start: at(10), end: at(5) }, /end timestamp must not be before or equal to start time/],
    ['index/volume', { query: '{app="x"}', start: 'yesterday' }, /could not parse 'start' parameter/],
    ['index/volume_range', { query: '{app="x"}', step: '0' }, /zero or negative query resolution step/],
    ['index/volume_range', { query: '{app="x"}', step: '0.001', since: '24h' }, /exceeded maximum resolution of 11,000 points/],
    ['index/stats', { query: '{}' }, /parse error/],
    ['index/stats', { query: '{app="x"} | json' }, /^only label matchers are supported$/],
    ['index/stats', { query: '{app="x"}', start: at(10), end: at(5) }, /end timestamp must not be before or equal to start time/],
    ['index/stats', { query: '{app="x"}', since: '800h' }, /the query time range exceeds the limit \(query length: 800h0m0s, limit: 721h0m0s\)/],
    ['index/volume', { query: '{app="x"}', since: '800h' }, /the query time range exceeds the limit/],
  ];
  for (const [path, params, message] of cases) {
    const res = await get(url, `/loki/api/v1/${path}`, params);
    const text = (await res.text()).trim();
    t.is(res.status, 400, `${path} ${JSON.stringify(params)}: ${text}`);
    t.regex(text, message, `${path} ${JSON.stringify(params)}`);
  }
  // limit 0 is Loki's default, not an error; a range longer than max_query_length is cut in buckets
  // each within it, as Loki checks them; POST with a form body works as GET
  t.is((await get(url, '/loki/api/v1/index/volume', { query: '{app="x"}', limit: '0' })).status, 200);
  t.is((await get(url, '/loki/api/v1/index/volume_range', { query: '{app="x"}', since: '800h', step: '24h' })).status, 200);
  const post = await fetch(`${url}/loki/api/v1/index/volume_range`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: '{app="x"}', step: '60', ...range }),
  });
  t.deepEqual(await post.json(), { status: 'success', data: { resultType: 'vector', result: [] } });
});

test('an index file of schema 1 is still read: its chunks count their stored size, and no chunk is read', async (t) => {
  const nats = await startNats(t);
  const dataDir = await tempDir(t);
  const { url } = await startTestNode(t, nats.url, {}, dataDir);
  // a file as schema 1 wrote it, naming a chunk that is not in the store at all
  const local = join(dataDir, 'old.db');
  const db = new Database(local);
  db.exec(`
CREATE TABLE series (fp TEXT PRIMARY KEY, labels TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE postings (name TEXT NOT NULL, value TEXT NOT NULL, fp TEXT NOT NULL, PRIMARY KEY (name, value, fp)) WITHOUT ROWID;
CREATE TABLE chunks (
  key TEXT PRIMARY KEY, fp TEXT NOT NULL, from_ns INTEGER NOT NULL, through_ns INTEGER NOT NULL,
  entries INTEGER NOT NULL, bytes INTEGER NOT NULL, max_seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX chunks_by_series ON chunks (fp, through_ns);`);
  db.prepare('INSERT INTO series VALUES (?, ?)').run('00000000000000aa', '{app="old"}');
  db.prepare('INSERT INTO postings VALUES (?, ?, ?)').run('app', 'old', '00000000000000aa');
  db.prepare('INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)').run('fake/chunks/missing', '00000000000000aa', BigInt(at(10)), BigInt(at(20)), 40, 1234, 1);
  db.pragma('user_version = 1');
  const day = new Date(Number(T0 / 1_000_000n)).toISOString().slice(0, 10);
  await new FilesystemStore(join(dataDir, 'store')).put(`index/fake/${day}/old-writer-0000.db`, db.serialize());
  db.close();
  t.deepEqual(await api(url, 'index/stats', { query: '{app="old"}', ...range }), { streams: 1, chunks: 1, bytes: 1234, entries: 40 });
  t.deepEqual(await api(url, 'index/volume', { query: '{app="old"}', ...range }), vector([[{ app: 'old' }, 1234]]));
  // a chunk the range cuts counts its share of the time: [10 s, 20 s] cut at 15 s
  t.deepEqual(await api(url, 'index/stats', { query: '{app="old"}', start: at(15), end: at(120) }), { streams: 1, chunks: 1, bytes: 617, entries: 20 });
});

test('a window with more names than limits_config.volume_max_series fails with Loki\'s message', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'limits_config.volume_max_series': '2' });
  await push(url, pushed);
  const res = await get(url, '/loki/api/v1/index/volume', { query: '{}', ...range });
  t.is(res.status, 400);
  t.is((await res.text()).trim(), 'the query hit the max number of series limit (limit: 2 series)');
  t.is((await get(url, '/loki/api/v1/index/volume', { query: '{app=~".+"}', targetLabels: 'app', ...range })).status, 200, 'two names are within it');
});
