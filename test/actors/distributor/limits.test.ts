// A tenant's push limits over real HTTP into a real node: the answer (status and Loki's text),
// what is written, and the discard counters, for the limits held by the distributor itself.
import test from 'ava';
import { Members, connectBus } from '../../../bus/index.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { flatten, metricValue, pushJson, queryRange, streamBody, waitFor } from '../../helpers/loki.ts';

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const MIN = 60_000_000_000n;
const STREAM_LIMIT =
  'Maximum active stream limit exceeded, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased\n';

test('a push over the ingestion rate gets 429 with Loki\'s text and nothing of it is written', async (t) => {
  const nats = await startNats(t);
  // 2048 bytes a second, burst 4096; the local strategy, so the figure is this distributor's whole rate
  const { url } = await startTestNode(t, nats.url, {
    'limits_config.ingestion_rate_mb': String(2048 / 1048576),
    'limits_config.ingestion_burst_size_mb': String(4096 / 1048576),
    'limits_config.ingestion_rate_strategy': 'local',
  });
  const ts = nowNs();
  const line = 'x'.repeat(3000);
  t.is((await pushJson(url, streamBody({ app: 'rate' }, [[String(ts), line]]))).status, 204);
  const res = await pushJson(url, streamBody({ app: 'rate' }, [[String(ts + 1n), line]]));
  t.is(res.status, 429);
  t.is(
    await res.text(),
    "Ingestion rate limit exceeded for user fake (limit: 2048 bytes/sec) while attempting to ingest '1' lines totaling '3000' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased\n",
  );
  t.is(await metricValue(url, 'loki_discarded_samples_total', { reason: 'rate_limited', tenant: 'fake' }), 1);
  t.is(await metricValue(url, 'loki_discarded_bytes_total', { reason: 'rate_limited', tenant: 'fake' }), 3000);
  const got = await queryRange(url, { query: '{app="rate"}', start: String(ts - MIN), end: String(ts + MIN) });
  t.deepEqual(flatten(got), [`${ts} ${line}`]);
});

test('with max_line_size_truncate a long line is cut to max_line_size bytes and counted as mutated, not refused', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'limits_config.max_line_size': '10', 'limits_config.max_line_size_truncate': 'true' });
  const ts = nowNs();
  t.is((await pushJson(url, streamBody({ app: 'cut' }, [[String(ts), 'abcdefghijKLMNOP'], [String(ts + 1n), 'short']]))).status, 204);
  const got = await queryRange(url, { query: '{app="cut"}', start: String(ts - MIN), end: String(ts + MIN), direction: 'forward' });
  t.deepEqual(flatten(got), [`${ts} abcdefghij`, `${ts + 1n} short`]);
  t.is(await metricValue(url, 'loki_mutated_samples_total', { reason: 'line_too_long', tenant: 'fake' }), 1);
  t.is(await metricValue(url, 'loki_mutated_bytes_total', { reason: 'line_too_long', tenant: 'fake' }), 6);
  t.is(await metricValue(url, 'loki_discarded_samples_total', { reason: 'line_too_long' }), 0);
});

test('an invalid stream gets 400 with Loki\'s text while the valid ones are written, and its lines and bytes are counted by reason', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'limits_config.max_label_names_per_series': '2' });
  const ts = String(nowNs());
  const res = await pushJson(url, {
    streams: [
      { stream: { a: '1', b: '2', c: '3' }, values: [[ts, 'four'], [ts, 'five!']] },
      { stream: { a: 'ok' }, values: [[ts, 'kept']] },
    ],
  });
  t.is(res.status, 400);
  t.is(await res.text(), "entry for stream '{a=\"1\", b=\"2\", c=\"3\"}' has 3 label names; limit 2\n");
  t.is(await metricValue(url, 'loki_discarded_samples_total', { reason: 'max_label_names_per_series', tenant: 'fake' }), 2);
  t.is(await metricValue(url, 'loki_discarded_bytes_total', { reason: 'max_label_names_per_series', tenant: 'fake' }), 9);
  const got = await queryRange(url, { query: '{a=~".+"}', start: String(BigInt(ts) - MIN), end: String(BigInt(ts) + MIN) });
  t.deepEqual(flatten(got), [`${ts} kept`]);
});

test('past max_global_streams_per_user a new stream gets 429 while known streams go on; another distributor knows the count from the ingesters', async (t) => {
  const nats = await startNats(t);
  // ingesters heartbeat every second (a third of the lease), so the count travels fast
  const flags = { 'limits_config.max_global_streams_per_user': '3', 'ingester.lease_ttl': '3s' };
  const a = await startTestNode(t, nats.url, flags);
  const ts = nowNs();
  for (const app of ['s1', 's2', 's3']) t.is((await pushJson(a.url, streamBody({ app }, [[String(ts), app]]))).status, 204);
  const refused = await pushJson(a.url, {
    streams: [
      { stream: { app: 's4' }, values: [[String(ts), 'new']] },
      { stream: { app: 's1' }, values: [[String(ts + 1n), 'known']] },
    ],
  });
  t.is(refused.status, 429);
  t.is(await refused.text(), STREAM_LIMIT);
  t.is(await metricValue(a.url, 'loki_discarded_samples_total', { reason: 'stream_limit', tenant: 'fake' }), 1);
  t.is((await pushJson(a.url, streamBody({ app: 's2' }, [[String(ts + 2n), 'still fine']]))).status, 204);
  const got = await queryRange(a.url, { query: '{app=~"s.*"}', start: String(ts - MIN), end: String(ts + MIN), direction: 'forward' });
  t.deepEqual(flatten(got).sort(), [`${ts} s1`, `${ts + 1n} known`, `${ts} s2`, `${ts + 2n} still fine`, `${ts} s3`].sort());
  // another tenant has streams of its own
  t.is((await pushJson(a.url, streamBody({ app: 's4' }, [[String(ts), 'other']]), { tenant: 'other' })).status, 204);

  // a second distributor has seen none of these streams: it counts them from the ingesters' heartbeats
  const nc = await connectBus(nats.url, 'test-watch');
  t.teardown(() => nc.close());
  const members = await Members.open(nc);
  await waitFor('the ingester to heartbeat 3 streams of tenant fake', async () =>
    (await members.list()).some((m) => (m.status?.tenantStreams as Record<string, number> | undefined)?.fake === 3),
  );
  const b = await startTestNode(t, nats.url, { ...flags, target: 'gateway,distributor' });
  const res = await pushJson(b.url, streamBody({ app: 's5' }, [[String(ts), 'new elsewhere']]));
  t.is(res.status, 429);
  t.is(await res.text(), STREAM_LIMIT);
});

test('entries out of order are accepted within half of max_chunk_age behind their stream\'s newest; older ones get 400 with Loki\'s text', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'ingester.max_chunk_age': '20m' });
  const now = (nowNs() / 1_000_000_000n) * 1_000_000_000n; // whole seconds, for the texts below
  // in one push: newest first, then 9 minutes and 5 minutes behind (the window is 10 minutes)
  const first = [now, now - 9n * MIN, now - 5n * MIN].map((ts) => [String(ts), `at ${ts}`] as [string, string]);
  t.is((await pushJson(url, streamBody({ app: 'ooo' }, first))).status, 204);
  const late = now - 11n * MIN;
  const res = await pushJson(url, streamBody({ app: 'ooo' }, [[String(late), 'too late'], [String(now - 10n * MIN), 'just in time']]));
  t.is(res.status, 400);
  const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().replace(/\.000Z$/, 'Z');
  const goTime = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().replace('T', ' ').replace(/\.000Z$/, ' +0000 UTC');
  t.is(
    await res.text(),
    `entry with timestamp ${goTime(late)} ignored, reason: 'entry too far behind, oldest acceptable timestamp is: ${iso(now - 10n * MIN)}' for stream: {app="ooo"},\nuser 'fake', total ignored: 1 out of 2\n`,
  );
  t.is(await metricValue(url, 'loki_discarded_samples_total', { reason: 'too_far_behind', tenant: 'fake' }), 1);
  t.is(await metricValue(url, 'loki_discarded_bytes_total', { reason: 'too_far_behind', tenant: 'fake' }), 8);
  const got = await queryRange(url, { query: '{app="ooo"}', start: String(now - 20n * MIN), end: String(now + MIN), direction: 'forward' });
  t.deepEqual(flatten(got), [`${now - 10n * MIN} just in time`, `${now - 9n * MIN} at ${now - 9n * MIN}`, `${now - 5n * MIN} at ${now - 5n * MIN}`, `${now} at ${now}`]);
});
