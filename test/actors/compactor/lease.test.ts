import test from 'ava';
import { join } from 'node:path';
import { FilesystemStore } from '../../../storage/filesystem-store.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import { metricValue, waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir } from '../../helpers/node.ts';
import { statusCompactor } from '../../helpers/status.ts';
import { DAY, JAN1, ref } from '../../storage/index/fixtures.ts';

const ops = 'loki_boltdb_shipper_compact_tables_operation_total';

test('of two compactors only the lease holder works; the other takes over when it stops; status names the holder', async (t) => {
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const directory = join(dir, 'store');
  const store = new FilesystemStore(directory);
  const writer = new IndexWriter({ store, writerId: 'ing-1' });
  for (let d = 0; d < 3; d++) for (let i = 0; i < 4; i++) await writer.addChunks([ref('a', String(i + 1), [['app', 'api']], JAN1 + BigInt(d) * DAY + BigInt(i), JAN1 + BigInt(d) * DAY + BigInt(i))]);
  writer.close();
  const flags = { target: 'compactor', 'storage_config.filesystem.directory': directory, 'compactor.compaction_interval': '200ms', 'compactor.lease_ttl': '2s' };
  const one = await startTestNode(t, nats.url, flags);
  const two = await startTestNode(t, nats.url, flags);
  const running = async () => [await metricValue(one.url, 'loki_boltdb_shipper_compactor_running'), await metricValue(two.url, 'loki_boltdb_shipper_compactor_running')];
  await waitFor('a compactor to take the lease', async () => (await running()).includes(1));
  const [active, idle] = (await running())[0] === 1 ? [one, two] : [two, one];
  await waitFor('a few runs', async () => (await metricValue(active.url, ops, { status: 'success' })) >= 3);
  t.deepEqual((await running()).sort(), [0, 1], 'one compactor runs');
  t.is(await metricValue(idle.url, ops), 0, 'the other has never run');
  t.is((await store.list('index/a/')).filter((o) => o.key.includes('/compacted/')).length, 3, 'one compacted file per day');

  // members report their figures with their heartbeat, every 5 s
  let status: Record<string, unknown> = {};
  await waitFor('status to show a run', async () => typeof (status = await statusCompactor([`--nats.url=${nats.url}`, `--common.path_prefix=${dir}`, `--storage_config.filesystem.directory=${directory}`])).lastRunAt === 'number', 20_000);
  t.like(status, { holder: active.node.id, members: 2, filesMerged: 0, lastError: null });
  t.is(status.filesMergedTotal, 12, 'four segments of each of three days');

  // a stopping compactor gives its lease up: the other works at once, without waiting for the TTL
  await active.node.stop();
  await waitFor('the other compactor to take over', async () => (await metricValue(idle.url, 'loki_boltdb_shipper_compactor_running')) === 1, 1500);
  await waitFor('its first run', async () => (await metricValue(idle.url, ops, { status: 'success' })) >= 1);
});
