import test from 'ava';
import { join } from 'node:path';
import { startNats } from '../helpers/nats.ts';
import { spawnNode, tempDir } from '../helpers/node.ts';
import { get, metricValue, pushJson, waitFor } from '../helpers/loki.ts';

const HOUR = 3_600_000_000_000n;
const DAY = 24n * HOUR;

test('log volume over three days through one frontend and two querier processes, from ingester memory and then from the store alone', async (t) => {
  t.timeout(240_000);
  const nats = await startNats(t);
  const shared = { 'storage_config.filesystem.directory': join(await tempDir(t), 'store') };
  const node = async (target: string, flags: Record<string, string> = {}) => spawnNode(t, nats.url, await tempDir(t), { ...shared, target, ...flags });
  const ingester = await node('ingester', { 'ingester.chunk_idle_period': '2s', 'ingester.flush_check_period': '200ms', 'ingester.chunk_retain_period': '0s' });
  await Promise.all([node('querier', { 'querier.worker_threads': '1' }), node('querier', { 'querier.worker_threads': '1' })]);
  const gateway = await node('gateway,distributor,frontend');
  await waitFor('the ingester to be ready', async () => (await fetch(`${ingester.url}/ready`)).status === 200, 60_000);

  // one stream per day, its lines inside one hour, so no chunk crosses a window
  const now = BigInt(Date.now()) * 1_000_000n;
  const hourOf = (k: number) => ((now - BigInt(k) * DAY - 2n * HOUR) / HOUR) * HOUR;
  const days = [0, 1, 2].map((k) => ({
    labels: { app: 'multi', day: String(k) },
    values: Array.from({ length: 3 + k }, (_, i): [string, string] => [String(hourOf(k) + BigInt(i + 1) * 60_000_000_000n), `day ${k} line ${i} ${'x'.repeat(10 * k)}`]),
  }));
  for (const d of days) t.is((await pushJson(gateway.url, { streams: [{ stream: d.labels, values: d.values }] })).status, 204);
  const bytesOf = (d: (typeof days)[number]) => d.values.reduce((n, [, l]) => n + Buffer.byteLength(l), 0);
  const start = String(((now - 3n * DAY) / HOUR) * HOUR);
  const range = { start, end: String(now) };
  const stamp = (k: number) => Number((hourOf(k) + HOUR) / 1_000_000n - 1n) / 1000;

  const check = async (when: string) => {
    const res = await get(gateway.url, '/loki/api/v1/index/volume_range', { query: '{app="multi"}', step: '3600', ...range });
    t.is(res.status, 200, when);
    const body = (await res.json()) as { data: unknown };
    t.deepEqual(
      body.data,
      { resultType: 'matrix', result: [{ metric: { app: 'multi' }, values: [2, 1, 0].map((k) => [stamp(k), String(bytesOf(days[k]))]) }] },
      `${when}: a sample in the hour of each day's lines, from the sub-queries of four UTC days`,
    );
    const stats = (await (await get(gateway.url, '/loki/api/v1/index/stats', { query: '{app="multi"}', ...range })).json()) as Record<string, number>;
    t.like(stats, { streams: 3, entries: days.reduce((n, d) => n + d.values.length, 0), bytes: days.reduce((n, d) => n + bytesOf(d), 0) }, when);
  };
  await check('in ingester memory');
  await waitFor('every stream to flush', async () => (await metricValue(ingester.url, 'loki_ingester_chunks_flushed_total')) >= 3, 60_000);
  await waitFor('memory to empty', async () => (await metricValue(ingester.url, 'loki_ingester_memory_streams')) === 0, 60_000);
  await check('from the store');
});
