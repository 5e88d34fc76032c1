import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FilesystemStore } from '../../../storage/filesystem-store.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { flatten, metricValue, pushJson, queryRange, waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir } from '../../helpers/node.ts';

const NS_PER_MS = 1_000_000n;

interface Listed {
  request_id: string;
  start_time: number;
  end_time: number;
  query: string;
  status: string;
  created_at: number;
}

const deleteApi = (url: string, method: string, params: Record<string, string>, tenant?: string) =>
  fetch(`${url}/loki/api/v1/delete?${new URLSearchParams(params)}`, { method, headers: tenant ? { 'X-Scope-OrgID': tenant } : {} });

async function listed(url: string, tenant?: string): Promise<Listed[]> {
  const res = await deleteApi(url, 'GET', {}, tenant);
  if (res.status !== 200) throw new Error(`GET delete ${res.status}: ${await res.text()}`);
  return (await res.json()) as Listed[];
}

/** Ten lines of {app="api"} a minute apart, from two hours ago: the odd ones say level=error. */
async function pushLines(url: string, tenant: string): Promise<{ start: bigint; end: bigint }> {
  const start = BigInt(Date.now() - 2 * 3_600_000) * NS_PER_MS;
  const values = Array.from({ length: 10 }, (_, i) => [String(start + BigInt(i) * 60_000n * NS_PER_MS), `line ${i} level=${i % 2 ? 'error' : 'info'}`]);
  const res = await pushJson(url, { streams: [{ stream: { app: 'api' }, values }] }, { tenant });
  if (res.status !== 204) throw new Error(`push ${res.status}: ${await res.text()}`);
  return { start, end: start + 3_600_000n * NS_PER_MS };
}

const lines = async (url: string, range: { start: bigint; end: bigint }, tenant: string) =>
  flatten(await queryRange(url, { query: '{app="api"}', start: String(range.start), end: String(range.end), limit: '1000', direction: 'forward' }, tenant)).map((l) => l.split(' ').slice(1).join(' '));

/** Seconds, as the API takes start and end. */
const seconds = (ns: bigint) => String(ns / 1_000_000_000n);

test('a delete request is listed with Loki\'s fields, cancelled within its cancel period (hiding nothing then), refused after it, and a tenant sees and cancels only its own', async (t) => {
  const nats = await startNats(t);
  // no compactor: a request past its cancel period stays received, and a cancel is still refused
  const { url } = await startTestNode(t, nats.url, { target: 'gateway,distributor,ingester,frontend,querier', 'compactor.delete_request_cancel_period': '2s' });
  const range = await pushLines(url, 'a');
  await pushLines(url, 'b');
  const all = await lines(url, range, 'a');
  t.is(all.length, 10);

  const params = { query: '{app="api"} |= "level=error"', start: seconds(range.start), end: seconds(range.end) };
  const before = Date.now();
  const added = await deleteApi(url, 'POST', params, 'a');
  t.is(added.status, 204, await added.text());
  const [req] = await listed(url, 'a');
  t.regex(req.request_id, /^[0-9a-f]{8}$/);
  t.deepEqual({ ...req, request_id: '', created_at: 0 }, { request_id: '', start_time: Number(range.start / 1_000_000_000n), end_time: Number(range.end / 1_000_000_000n), query: params.query, status: 'received', created_at: 0 });
  t.true(req.created_at >= Math.floor(before / 1000) && req.created_at <= Date.now() / 1000);
  t.is(await metricValue(url, 'loki_compactor_delete_requests_received_total', { user: 'a' }), 1);

  // its lines are hidden at once; tenant b's own stream of the same name is not
  t.deepEqual(await lines(url, range, 'a'), all.filter((l) => !l.includes('error')));
  t.is((await lines(url, range, 'b')).length, 10);
  t.deepEqual(await listed(url, 'b'), [], 'b does not see a\'s request');
  const foreign = await deleteApi(url, 'DELETE', { request_id: req.request_id }, 'b');
  t.is(foreign.status, 404);
  t.is(await foreign.text(), 'could not find delete request with given id\n');
  t.is((await listed(url, 'a')).length, 1, 'still there after b tried to cancel it');

  // cancelled within the period: gone from the list, and every line is back
  t.is((await deleteApi(url, 'DELETE', { request_id: req.request_id }, 'a')).status, 204);
  t.deepEqual(await listed(url, 'a'), []);
  t.deepEqual(await lines(url, range, 'a'), all);
  t.is((await deleteApi(url, 'DELETE', { request_id: req.request_id }, 'a')).status, 404, 'cancelled once only');

  // past the period: the compactor may be at work on it, so it stays
  t.is((await deleteApi(url, 'POST', params, 'a')).status, 204);
  const [late] = await listed(url, 'a');
  await new Promise((r) => setTimeout(r, 2100));
  const refused = await deleteApi(url, 'DELETE', { request_id: late.request_id }, 'a');
  t.is(refused.status, 400);
  t.is(await refused.text(), 'deletion of request which is in process or already processed is not allowed\n');
  t.is((await listed(url, 'a')).length, 1);
  t.deepEqual(await lines(url, range, 'a'), all.filter((l) => !l.includes('error')));
});

test('bad delete requests get 400 with Loki\'s messages, and the gateway goes on serving', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { target: 'gateway,distributor,frontend' });
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[Record<string, string>, string]> = [
    [{ start: String(now - 60) }, 'query not set'],
    [{ query: 'sum(count_over_time({app="api"}[5m]))', start: String(now - 60) }, 'invalid query expression'],
    [{ query: '{app="api"', start: String(now - 60) }, 'invalid query expression'],
    [{ query: '{app="api"}' }, 'start time not set'],
    [{ query: '{app="api"}', start: 'yesterday' }, 'invalid start time: require unix seconds or RFC3339 format'],
    [{ query: '{app="api"}', start: String(now - 60), end: '12345' }, 'invalid end time: require unix seconds or RFC3339 format'],
    [{ query: '{app="api"}', start: String(now - 60), end: String(now + 3600) }, 'deletes in the future are not allowed'],
    [{ query: '{app="api"}', start: String(now - 60), end: String(now - 120) }, "start time can't be greater than end time"],
    [{ query: '{app="api"}', start: String(now - 60), max_interval: '1d' }, "invalid max_interval: valid time units are 's', 'm', 'h'"],
    [{ query: '{app="api"}', start: String(now - 60), end: String(now), max_interval: '2m' }, "max_interval can't be greater than the interval to be deleted (1m0s)"],
  ];
  for (const [params, message] of cases) {
    const res = await deleteApi(url, 'POST', params);
    t.is(res.status, 400, JSON.stringify(params));
    t.is(await res.text(), `${message}\n`);
  }
  t.deepEqual(await listed(url), []);
  // an RFC3339 start and a line filter are fine
  t.is((await deleteApi(url, 'POST', { query: '{app="api"} |~ "err.*"', start: new Date((now - 60) * 1000).toISOString() })).status, 204);
  t.is((await listed(url)).length, 1);
});

test('deletion_mode disabled answers 403 and hides nothing; filter-only hides the lines and leaves them in the store', async (t) => {
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const runtime = join(dir, 'runtime.yaml');
  await writeFile(runtime, 'overrides:\n  off:\n    deletion_mode: disabled\n  hide:\n    deletion_mode: filter-only\n');
  const { url, dataDir } = await startTestNode(t, nats.url, {
    target: 'all',
    'runtime_config.file': runtime,
    'compactor.delete_request_cancel_period': '1s',
    'compactor.compaction_interval': '200ms',
    'ingester.flush_check_period': '100ms',
    'ingester.chunk_target_size': '1',
  });
  const range = await pushLines(url, 'off');
  await pushLines(url, 'hide');
  const params = { query: '{app="api"} |= "level=error"', start: seconds(range.start), end: seconds(range.end) };
  for (const method of ['POST', 'GET', 'DELETE']) {
    const res = await deleteApi(url, method, method === 'POST' ? params : { request_id: '00000000' }, 'off');
    t.is(res.status, 403, method);
    t.is(await res.text(), 'deletion is not available for this tenant\n');
  }
  t.is((await lines(url, range, 'off')).length, 10);

  const reader = new IndexReader({ store: new FilesystemStore(join(dataDir, 'store')) });
  t.teardown(() => reader.close());
  const stored = async () => (await reader.chunks('hide', [{ name: 'app', op: '=', value: 'api' }], range.start, range.end)).reduce((n, c) => n + c.entries, 0);
  await waitFor('the lines flushed to the store', async () => (await stored()) === 10);
  t.is((await deleteApi(url, 'POST', params, 'hide')).status, 204);
  t.is((await lines(url, range, 'hide')).length, 5);
  // well past the cancel period and many compactor runs: filter-only never processes it
  await new Promise((r) => setTimeout(r, 2500));
  t.is((await listed(url, 'hide'))[0].status, 'received');
  t.is(await metricValue(url, 'loki_compactor_delete_requests_processed_total'), 0);
  t.is((await lines(url, range, 'hide')).length, 5);
  t.is(await stored(), 10, 'every line still in the store');
});
