import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import { fingerprint } from '../../../actors/distributor/fingerprint.ts';
import { desiredOwner } from '../../../actors/ingester/placement.ts';
import { partitionOf } from '../../../model/fingerprint.ts';
import { formatLabels } from '../../../model/labels.ts';
import { settled } from '../../../scripts/partition-watch.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { openObjectStore } from '../../../storage/open-store.ts';
import type { ObjectStore, StorageConfig } from '../../../storage/object-store.ts';
import { unlimited } from '../../helpers/load.ts';
import { get, metricValue, pushJson, waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir, TINY_CHUNKS } from '../../helpers/node.ts';
import { startS3 } from '../../helpers/s3.ts';

const NS_PER_MS = 1_000_000n;
const LINES_PER_STREAM = 60;
const APPS = ['api', 'web', 'cron', 'db', 'queue', 'auth'];

/**
 * An app name whose streams (in both envs) live on partitions placed on `owner`: with only the six
 * apps above, every stream could land on one ingester's partitions (about one run in ten), and
 * the other would write no segment to merge.
 */
function appOn(owner: string, owners: string[], partitions: number): string {
  for (let k = 0; ; k++) {
    const app = `pinned${k}`;
    const placed = ['dev', 'prod'].map((env) => desiredOwner(partitionOf(fingerprint('fake', formatLabels([['app', app], ['env', env]])), partitions), owners));
    if (placed.every((o) => o === owner)) return app;
  }
}

/** Queries of every kind, over the pushed hour: log, metric, /series, /labels and label values. */
async function answers(url: string, start: bigint, end: bigint): Promise<Record<string, unknown>> {
  const range = { start: String(start), end: String(end) };
  const data = async (path: string, params: Record<string, string>) => {
    const res = await get(url, path, { ...range, ...params });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${path} ${res.status}: ${text}`);
    return (JSON.parse(text) as { data: unknown }).data;
  };
  const streams = (await data('/loki/api/v1/query_range', { query: '{app=~".+"}', limit: '100000', direction: 'forward' })) as { result: Array<{ stream: Record<string, string>; values: string[][] }> };
  return {
    log: streams.result.map((s) => `${JSON.stringify(s.stream)} ${s.values.map((v) => v.join(' ')).join('|')}`).sort(),
    filtered: ((await data('/loki/api/v1/query_range', { query: '{app=~"api|db"} |= "line 1"', limit: '100000' })) as { result: unknown[] }).result.length,
    metric: ((await data('/loki/api/v1/query_range', { query: 'sum by (app) (count_over_time({app=~".+"}[5m]))', step: '300' })) as { result: unknown }).result,
    series: ((await data('/loki/api/v1/series', { 'match[]': '{app=~".+"}' })) as Array<Record<string, string>>).map((s) => JSON.stringify(s)).sort(),
    labels: await data('/loki/api/v1/labels', {}),
    values: await data('/loki/api/v1/label/app/values', {}),
  };
}

/** The day's index files, as the store lists them. */
const indexKeys = async (store: ObjectStore) => (await store.list('index/')).map((o) => o.key);

async function compactionKeepsAnswers(t: ExecutionContext, storage: Record<string, string>, storeCfg: StorageConfig) {
  const nats = await startNats(t);
  // results are not cached (the answers after must be computed again) and old ranges are read from the store alone
  const flags = { ...unlimited, ...TINY_CHUNKS, ...storage, 'distributor.partitions': '8', 'ingester.lease_ttl': '3s', 'query_range.cache_results': 'false', 'querier.query_ingesters_within': '1m', 'querier.worker_threads': '1' };
  const a = await startTestNode(t, nats.url, { ...flags, target: 'gateway,distributor,ingester,frontend,querier' });
  const b = await startTestNode(t, nats.url, { ...flags, target: 'ingester' });
  const owners = [a.node.id, b.node.id];
  await settled(nats.url, 3000, 8, owners, 30_000);
  const apps = [...APPS, ...owners.map((o) => appOn(o, owners, 8))];
  const store = await openObjectStore(storeCfg);
  t.teardown(() => store.close());

  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  const all = [{ name: 'app', op: '=~' as const, value: '.+' }];
  // two hours ago, an hour of lines from six streams, pushed in rounds, each flushed and indexed before the next
  const start = BigInt(Date.now() - 2 * 3_600_000) * NS_PER_MS;
  const end = start + 3_600_000n * NS_PER_MS;
  let pushed = 0;
  for (let round = 0; round < 4; round++) {
    const streams = apps.map((app) => ({
      stream: { app, env: round % 2 ? 'prod' : 'dev' },
      values: Array.from({ length: LINES_PER_STREAM / 4 }, (_, i) => {
        const n = round * (LINES_PER_STREAM / 4) + i;
        return [String(start + BigInt(n) * 60_000n * NS_PER_MS), `line ${n} of ${app} level=${n % 3 ? 'info' : 'error'}`];
      }),
    }));
    const res = await pushJson(a.url, { streams });
    t.is(res.status, 204, await res.text());
    pushed += apps.length * (LINES_PER_STREAM / 4);
    await waitFor('the round flushed and indexed', async () => (await reader.chunks('fake', all, start, end)).reduce((n, c) => n + c.entries, 0) === pushed, 30_000);
  }
  const writers = [...new Set((await indexKeys(store)).map((k) => k.split('/').at(-1)!.replace(/-\d+\.db$/, '')))].sort();
  t.deepEqual(writers, [a.node.id, b.node.id].sort(), 'segments from both ingesters');
  const segments = (await indexKeys(store)).length;
  t.true(segments > 4, `${segments} segments`);

  const before = await answers(a.url, start, end);
  t.is((before.log as string[]).length, 16, 'eight apps in two envs');

  // a compactor that merges every 300 ms and deletes what it merged at the next run
  const c = await startTestNode(t, nats.url, { ...flags, target: 'compactor', 'compactor.compaction_interval': '300ms', 'compactor.index_delete_delay': '0s' });
  await waitFor(
    'one compacted file per tenant and day, and nothing else',
    async () => {
      const keys = await indexKeys(store);
      const days = new Set(keys.map((k) => k.split('/').slice(0, 3).join('/')));
      // the run deleting the merged files counts once it has ended, a moment after they are gone
      return keys.every((k) => k.includes('/compacted/')) && keys.length === days.size && (await metricValue(c.url, 'loki_boltdb_shipper_compact_tables_operation_total', { status: 'success' })) >= 2;
    },
    30_000,
  );
  t.is(await metricValue(c.url, 'loki_boltdb_shipper_compactor_running'), 1);
  t.is(await metricValue(c.url, 'loki_boltdb_shipper_compact_tables_operation_total', { status: 'failure' }), 0);
  t.true((await metricValue(c.url, 'loki_boltdb_shipper_compact_tables_operation_last_successful_run_timestamp_seconds')) > Date.now() / 1000 - 60);
  t.true((await metricValue(c.url, 'loki_boltdb_shipper_compact_tables_operation_duration_seconds')) >= 0);

  t.deepEqual(await answers(a.url, start, end), before, 'the same answers from the compacted files');
}

test('compacting two ingesters\' segments keeps every query\'s answer, on the filesystem', async (t) => {
  const dir = await tempDir(t);
  const directory = join(dir, 'store');
  await compactionKeepsAnswers(t, { 'storage_config.filesystem.directory': directory }, { object_store: 'filesystem', filesystem: { directory }, aws: { bucketnames: '', region: '', s3forcepathstyle: true } });
});

test('compacting two ingesters\' segments keeps every query\'s answer, on S3', async (t) => {
  const s3 = await startS3(t);
  await compactionKeepsAnswers(t, s3.flags, { object_store: 's3', filesystem: { directory: '' }, aws: s3.aws });
});
