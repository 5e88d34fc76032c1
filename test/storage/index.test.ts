import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Labels } from '../../logql/batch.ts';
import { BadKeyError, IndexReader, IndexWriter, openObjectStore, type ChunkRef, type ObjectStore } from '../../storage/index.ts';

const DAY = 86_400_000_000_000n;

async function setup(t: import('ava').ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), 'muninn-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = openObjectStore({ object_store: 'filesystem', filesystem: { directory: join(dir, 'store') }, aws: { bucketnames: '', region: '', s3forcepathstyle: true } });
  return { store, writer: new IndexWriter({ dir: join(dir, 'index'), store, writerId: 'w1' }), reader: new IndexReader({ store }) };
}

const ref = (tenant: string, fp: string, labels: Labels, from: bigint, through: bigint): ChunkRef => ({
  tenant, fingerprint: fp, labels, key: `${tenant}/chunks/${fp}/${from}-${through}`, from, through, entries: 1, bytes: 10, maxSeq: 1,
});

test('chunks are found by every matcher kind, across days, and only for their tenant', async (t) => {
  const { writer, reader } = await setup(t);
  const api: Labels = [['app', 'api'], ['env', 'prod']];
  const web: Labels = [['app', 'web'], ['env', 'dev']];
  const bare: Labels = [['app', 'cron']];
  await writer.addChunks([
    ref('a', '01', api, 10n, 20n),
    ref('a', '02', web, DAY + 5n, DAY + 6n),
    ref('a', '03', bare, DAY - 5n, DAY + 5n), // spans two days: indexed in both, found once
    ref('b', '01', api, 10n, 20n),
  ]);
  const keys = async (ms: Array<{ name: string; op: '=' | '!=' | '=~' | '!~'; value: string }>, tenant = 'a') =>
    (await reader.chunks(tenant, ms, 0n, 2n * DAY)).map((r) => r.fingerprint).sort();
  t.deepEqual(await keys([{ name: 'app', op: '=', value: 'api' }]), ['01']);
  t.deepEqual(await keys([{ name: 'app', op: '=~', value: 'a.*|w.*' }]), ['01', '02']);
  t.deepEqual(await keys([{ name: 'app', op: '!=', value: 'api' }]), ['02', '03']);
  t.deepEqual(await keys([{ name: 'env', op: '!~', value: 'prod' }]), ['02', '03'], 'a matcher that accepts "" also takes series without the label');
  t.deepEqual(await keys([{ name: 'env', op: '=', value: '' }, { name: 'app', op: '=~', value: '.+' }]), ['03']);
  t.deepEqual(await keys([{ name: 'app', op: '=', value: 'api' }], 'b'), ['01']);
  t.deepEqual(await keys([{ name: 'app', op: '=', value: 'web' }], 'b'), [], 'tenant b never sees tenant a');
  t.deepEqual((await reader.chunks('a', [{ name: 'app', op: '=~', value: '.+' }], DAY, 2n * DAY)).map((r) => r.fingerprint).sort(), ['02', '03']);
  t.deepEqual(await reader.labelNames('a', 0n, 2n * DAY), ['app', 'env']);
  t.deepEqual(await reader.labelValues('a', 'app', 0n, 2n * DAY), ['api', 'cron', 'web']);
});

test('a reader sees rows written after it first opened a file', async (t) => {
  const { writer, reader } = await setup(t);
  await writer.addChunks([ref('a', '01', [['app', 'x']], 1n, 2n)]);
  t.is((await reader.chunks('a', [{ name: 'app', op: '=', value: 'x' }], 0n, DAY)).length, 1);
  await writer.addChunks([ref('a', '01', [['app', 'x']], 3n, 4n)]);
  t.is((await reader.chunks('a', [{ name: 'app', op: '=', value: 'x' }], 0n, DAY)).length, 2);
});

test('object keys that would leave their prefix are refused', async (t) => {
  const { store } = await setup(t);
  for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/../b', 'a/./b'])
    await t.throwsAsync(() => (store as ObjectStore).put(key, Buffer.from('x')), { instanceOf: BadKeyError }, key);
  await store.put('a/b', Buffer.from('x'));
  t.deepEqual((await store.list('a/')).map((o) => o.key), ['a/b']);
  t.deepEqual(await store.getRange('a/b', 0, 1), Buffer.from('x'));
  await store.delete('a/b');
  await store.delete('a/b');
  await t.throwsAsync(() => store.get('a/b'), { name: 'ObjectNotFoundError' });
});
