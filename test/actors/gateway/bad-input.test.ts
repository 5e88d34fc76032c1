import test from 'ava';
import { gzipSync } from 'node:zlib';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { flatten, pushJson, queryRange, streamBody } from '../../helpers/loki.ts';

const now = () => String(BigInt(Date.now()) * 1_000_000n);

const cases: Array<[string, () => unknown, RegExp]> = [
  ['malformed JSON', () => '{"streams": [', /JSON|unexpected end/i],
  ['a body that is not a push', () => '[1,2,3]', /./],
  ['an empty label set', () => streamBody({}, [[now(), 'x']]), /at least one label pair is required/],
  ['an invalid label name', () => streamBody({ 'bad-name': 'x' }, [[now(), 'x']]), /bad-name|invalid/i],
  ['a timestamp that is not a number', () => streamBody({ job: 'x' }, [['yesterday', 'x']]), /timestamp|yesterday|parse/i],
  ['a line over max_line_size', () => streamBody({ job: 'x' }, [[now(), 'y'.repeat(2000)]]), /Max entry size '1024' bytes exceeded/],
  ['an entry older than reject_old_samples_max_age', () => streamBody({ job: 'x' }, [['1000000000000000000', 'x']]), /too old/],
];

test('each kind of bad push gets 400 with a message saying what is wrong, and the node keeps serving', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'limits_config.max_line_size': '1024' });
  for (const [name, body, message] of cases) {
    const res = await pushJson(url, body());
    const text = await res.text();
    t.is(res.status, 400, `${name}: ${text}`);
    t.regex(text, message, name);
    // the next good request is served
    const ok = await pushJson(url, streamBody({ job: 'good' }, [[now(), `after ${name}`]]));
    t.is(ok.status, 204, `a good push after ${name}`);
  }
  const got = await queryRange(url, { query: '{job="good"}', since: '5m', limit: '100', direction: 'forward' });
  t.deepEqual(flatten(got).map((l) => l.split(' ').slice(1).join(' ')), cases.map(([name]) => `after ${name}`));
  t.deepEqual((await queryRange(url, { query: '{job="x"}', since: '5m' })).result, [], 'nothing of the bad pushes was stored');
});

test('a gzip body is accepted, and a bad gzip body is a 400', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  const body = gzipSync(JSON.stringify(streamBody({ job: 'zip' }, [[now(), 'compressed line']])));
  const ok = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body });
  t.is(ok.status, 204);
  const bad = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: 'not gzip' });
  t.is(bad.status, 400);
  t.deepEqual(flatten(await queryRange(url, { query: '{job="zip"}', since: '5m' })).map((l) => l.split(' ').slice(1).join(' ')), ['compressed line']);
});

test('bad queries get 400 with a message, and the node keeps serving', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ query: '{job="x"' }, /parse error/],
    [{ query: '{job="x"}', direction: 'sideways' }, /invalid direction/],
    [{ query: '{job="x"}', start: 'tomorrow' }, /could not parse 'start'/],
    [{ query: '{job="x"}', start: '2000', end: '1000' }, /end timestamp must not be before or equal to start time/],
    [{ query: '{job="x"}', limit: '-1' }, /limit/],
  ];
  for (const [params, message] of bad) {
    const res = await fetch(`${url}/loki/api/v1/query_range?${new URLSearchParams(params)}`);
    t.is(res.status, 400, JSON.stringify(params));
    t.regex(await res.text(), message);
  }
  t.is((await fetch(`${url}/loki/api/v1/query_range?${new URLSearchParams({ query: '{job="x"}' })}`)).status, 200);
});

test('a tenant over ingestion_rate_mb gets 429 with Loki\'s message while another tenant is still served', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'limits_config.ingestion_rate_mb': '0.01', 'limits_config.ingestion_burst_size_mb': '0.01' });
  const big = Array.from({ length: 8 }, (_, i) => [String(BigInt(Date.now()) * 1_000_000n + BigInt(i)), 'z'.repeat(1000)] as [string, string]);
  t.is((await pushJson(url, streamBody({ job: 'loud' }, big), { tenant: 'loud' })).status, 204, 'the first burst fits');
  const over = await pushJson(url, streamBody({ job: 'loud' }, big), { tenant: 'loud' });
  t.is(over.status, 429);
  t.regex(await over.text(), /Ingestion rate limit exceeded for user loud/);
  t.is((await pushJson(url, streamBody({ job: 'quiet' }, [[now(), 'small']]), { tenant: 'quiet' })).status, 204);
});

test('format_query prints a query canonically, and a bad one is a 400', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  const ok = await fetch(`${url}/loki/api/v1/format_query?${new URLSearchParams({ query: 'sum  by(level)(count_over_time({app="x"}|json[5m]))' })}`);
  t.deepEqual(await ok.json(), { status: 'success', data: 'sum by (level)(count_over_time({app="x"} | json [5m]))' });
  const bad = await fetch(`${url}/loki/api/v1/format_query?${new URLSearchParams({ query: '{app=' })}`);
  t.is(bad.status, 400);
  t.regex(await bad.text(), /^parse error at line 1, col 6/);
});

test('a metric query whose lines keep __error__ is a 400 pipeline error over HTTP; filtering it out answers', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  const ts = BigInt(Date.now()) * 1_000_000n;
  t.is((await pushJson(url, streamBody({ job: 'lat' }, [[String(ts), 'latency=12'], [String(ts + 1n), 'latency=oops']]))).status, 204);
  const q = (query: string) => fetch(`${url}/loki/api/v1/query?${new URLSearchParams({ query, time: String(ts + 1_000_000_000n) })}`);
  const bad = await q('sum(sum_over_time({job="lat"} | logfmt | unwrap latency [1m]))');
  t.is(bad.status, 400);
  // as in Loki, a series in error keeps all its labels, whatever the grouping
  t.regex(await bad.text(), /^pipeline error: 'SampleExtractionErr' for series: '\{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \\"oops\\": invalid syntax", job="lat", latency="oops"\}'/);
  const good = await q('sum(sum_over_time({job="lat"} | logfmt | unwrap latency | __error__="" [1m]))');
  t.is(good.status, 200);
  t.like(((await good.json()) as { data: { result: Array<{ value: [number, string] }> } }).data.result[0], { value: [Number((ts + 1_000_000_000n) / 1_000_000n) / 1000, '12'] });
});
