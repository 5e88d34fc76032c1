// Retention seen from outside: a compactor with retention on deletes the chunks past each tenant's
// and stream's period, queries stop showing them, and what is kept answers as before.
import test, { type ExecutionContext } from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { settled } from '../../../scripts/partition-watch.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import type { ObjectStore, StorageConfig } from '../../../storage/object-store.ts';
import { openObjectStore } from '../../../storage/open-store.ts';
import { unlimited } from '../../helpers/load.ts';
import { get, metricValue, pushJson, queryRange, waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir, TINY_CHUNKS } from '../../helpers/node.ts';
import { startS3 } from '../../helpers/s3.ts';
import { statusCompactor } from '../../helpers/status.ts';

const NS_PER_MS = 1_000_000n;
const HOUR = 3_600_000;
const LINES = 20;
const all = [{ name: 'app', op: '=~' as const, value: '.+' }];

// limits_config keeps a week, dev streams two days; tenant b keeps two days but its api streams
// four; tenant c keeps two days of everything
const RULES = "[{selector: '{env=\"dev\"}', priority: 1, period: 48h}]";
const OVERRIDES = `overrides:
  b:
    retention_period: 48h
    retention_stream:
    - selector: '{app="api"}'
      priority: 2
      period: 96h
  c:
    retention_period: 48h
    retention_stream: []
`;
const STREAMS: Record<string, Array<{ labels: Record<string, string>; kept: boolean }>> = {
  a: [
    { labels: { app: 'api', env: 'dev' }, kept: false },
    { labels: { app: 'web', env: 'prod' }, kept: true },
  ],
  b: [
    { labels: { app: 'api', env: 'dev' }, kept: true },
    { labels: { app: 'web', env: 'dev' }, kept: false },
  ],
  c: [{ labels: { app: 'cron', env: 'prod' }, kept: false }],
};

/** A tenant's streams over the pushed hour, as `labels: lines`, and its /series and app values. */
async function answers(url: string, tenant: string, start: bigint, end: bigint) {
  const range = { start: String(start), end: String(end) };
  const logs = await queryRange(url, { query: '{app=~".+"}', limit: '10000', direction: 'forward', ...range }, tenant);
  const data = async (path: string, params: Record<string, string> = {}) => ((await (await get(url, path, { ...range, ...params }, tenant)).json()) as { data?: unknown }).data ?? [];
  return {
    streams: logs.result.map((s) => `${JSON.stringify(s.stream)}: ${s.values.length}`).sort(),
    series: ((await data('/loki/api/v1/series', { 'match[]': '{app=~".+"}' })) as unknown[]).length,
    apps: ((await data('/loki/api/v1/label/app/values')) as string[]).sort(),
  };
}

const chunkKeys = async (store: ObjectStore) => (await store.list('')).map((o) => o.key).filter((k) => k.split('/')[1] === 'chunks').sort();

async function retentionByTenantAndStream(t: ExecutionContext, storage: Record<string, string>, storeCfg: StorageConfig) {
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const overrides = join(dir, 'overrides.yaml');
  await writeFile(overrides, OVERRIDES);
  const flags = {
    ...unlimited,
    ...TINY_CHUNKS,
    ...storage,
    auth_enabled: 'true',
    'distributor.partitions': '4',
    'query_range.cache_results': 'false',
    'querier.query_ingesters_within': '1m',
    'querier.worker_threads': '1',
    'limits_config.retention_period': '1w',
    'limits_config.retention_stream': RULES,
    'runtime_config.file': overrides,
  };
  const a = await startTestNode(t, nats.url, { ...flags, target: 'gateway,distributor,ingester,frontend,querier' });
  await settled(nats.url, 3000, 4, [a.node.id], 30_000);
  const store = await openObjectStore(storeCfg);
  t.teardown(() => store.close());

  // an hour of lines, three days ago, each stream in two pushes
  const start = BigInt(Date.now() - 72 * HOUR) * NS_PER_MS;
  const end = start + BigInt(HOUR) * NS_PER_MS;
  for (const [tenant, streams] of Object.entries(STREAMS))
    for (let half = 0; half < 2; half++) {
      const body = {
        streams: streams.map((s) => ({
          stream: s.labels,
          values: Array.from({ length: LINES / 2 }, (_, i) => [String(start + BigInt(half * (LINES / 2) + i) * 60_000n * NS_PER_MS), `line ${i} of ${s.labels.app}`]),
        })),
      };
      const res = await pushJson(a.url, body, { tenant });
      t.is(res.status, 204, await res.text());
    }
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  const kept: string[] = [];
  for (const [tenant, streams] of Object.entries(STREAMS)) {
    const want = streams.length * LINES;
    await waitFor(`tenant ${tenant} flushed and indexed`, async () => (await reader.chunks(tenant, all, start, end)).reduce((n, c) => n + c.entries, 0) === want, 30_000);
    for (const c of await reader.chunks(tenant, all, start, end)) if (streams.find((s) => s.labels.app === c.labels.find(([n]) => n === 'app')?.[1])!.kept) kept.push(c.key);
  }
  const before = Object.fromEntries(await Promise.all(Object.keys(STREAMS).map(async (tenant) => [tenant, await answers(a.url, tenant, start, end)])));
  t.is(before.a.streams.length, 2);
  const expired = (await chunkKeys(store)).length - kept.length;
  t.true(expired >= 3, `${expired} chunks of three streams to expire`);

  const c = await startTestNode(t, nats.url, {
    ...flags,
    target: 'compactor',
    'compactor.compaction_interval': '300ms',
    'compactor.index_delete_delay': '0s',
    'compactor.retention_delete_delay': '0s',
    'compactor.retention_enabled': 'true',
  });
  await waitFor('the expired chunks deleted', async () => JSON.stringify(await chunkKeys(store)) === JSON.stringify(kept.sort()), 30_000);
  await waitFor('tenant c\'s day deleted whole', async () => (await store.list('index/c/')).length === 0, 10_000);

  const after = Object.fromEntries(await Promise.all(Object.keys(STREAMS).map(async (tenant) => [tenant, await answers(a.url, tenant, start, end)])));
  t.deepEqual(after, {
    a: { streams: [`{"app":"web","env":"prod"}: ${LINES}`], series: 1, apps: ['web'] },
    b: { streams: [`{"app":"api","env":"dev"}: ${LINES}`], series: 1, apps: ['api'] },
    c: { streams: [], series: 0, apps: [] },
  });
  t.deepEqual(after.a.streams, before.a.streams.filter((s: string) => s.includes('prod')), 'what is kept answers as before');

  t.is(await metricValue(c.url, 'loki_boltdb_shipper_retention_marker_count_total'), expired, 'one marker per expired chunk');
  t.true((await metricValue(c.url, 'loki_boltdb_shipper_retention_marker_table_processed_total', { user_id: 'c', action: 'deleted' })) >= 1);
  t.true((await metricValue(c.url, 'loki_boltdb_shipper_retention_sweeper_chunk_deleted_duration_seconds_count', { status: 'success' })) >= expired);
  t.true((await metricValue(c.url, 'loki_boltdb_shipper_apply_retention_last_successful_run_timestamp_seconds')) > Date.now() / 1000 - 60);
  t.is(await metricValue(c.url, 'muninn_compactor_chunks_pending_deletion'), 0);

  // members report their figures with their heartbeat, every 5 s
  const args = [`--nats.url=${nats.url}`, `--common.path_prefix=${c.dataDir}`, ...Object.entries(storage).map(([k, v]) => `--${k}=${v}`)];
  let status: Record<string, unknown> = {};
  await waitFor('status to show the deletions', async () => ((status = await statusCompactor(args)).retention as { chunksDeletedTotal?: number } | null)?.chunksDeletedTotal === expired, 20_000);
  t.like(status.retention, { enabled: true, chunksPending: 0, chunksDeletedTotal: expired, daysDeletedTotal: 1 });
}

test('retention deletes chunks past their tenant\'s and stream\'s period and queries stop showing them, on the filesystem', async (t) => {
  const dir = await tempDir(t);
  const directory = join(dir, 'store');
  await retentionByTenantAndStream(t, { 'storage_config.filesystem.directory': directory }, { object_store: 'filesystem', filesystem: { directory }, aws: { bucketnames: '', region: '', s3forcepathstyle: true } });
});

test('retention deletes chunks past their tenant\'s and stream\'s period and queries stop showing them, on S3', async (t) => {
  const s3 = await startS3(t);
  await retentionByTenantAndStream(t, s3.flags, { object_store: 's3', filesystem: { directory: '' }, aws: s3.aws });
});
