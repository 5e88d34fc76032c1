import test from 'ava';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Matcher } from '../../../model/matchers.ts';
import { labelNamesOf, labelValuesOf, type Labels } from '../../../model/labels.ts';
import { BadKeyError } from '../../../storage/object-store.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import { openObjectStore } from '../../../storage/open-store.ts';
import { startS3 } from '../../helpers/s3.ts';
import { DAY, fsStore, JAN1, ref } from './fixtures.ts';

const api: Labels = [['app', 'api'], ['env', 'prod']];
const web: Labels = [['app', 'web'], ['env', 'dev']];
const cron: Labels = [['app', 'cron']];
const m = (name: string, op: Matcher['op'], value: string): Matcher => ({ name, op, value });

async function twoTenantsTwoDays(t: import('ava').ExecutionContext, cache = true) {
  const { dir, store } = await fsStore(t);
  const writer = new IndexWriter({ store, writerId: 'ingester-1' });
  t.teardown(() => writer.close());
  await writer.addChunks([
    ref('a', '1', api, JAN1 + 10n, JAN1 + 20n),
    ref('a', '2', web, JAN1 + DAY + 5n, JAN1 + DAY + 6n),
    ref('a', '3', cron, JAN1 + DAY - 5n, JAN1 + DAY + 5n), // spans both days: indexed in each, found once
    ref('b', '1', api, JAN1 + 10n, JAN1 + 20n),
    ref('b', '4', [['app', 'secret']], JAN1 + DAY + 1n, JAN1 + DAY + 2n),
  ]);
  const reader = new IndexReader({ store, cacheDir: cache ? join(dir, 'cache') : undefined });
  t.teardown(() => reader.close());
  return { dir, store, writer, reader };
}

const fps = async (reader: IndexReader, ms: Matcher[], tenant = 'a', from = JAN1, through = JAN1 + 2n * DAY) =>
  (await reader.chunks(tenant, ms, from, through)).map((r) => r.fingerprint.replace(/^0+/, '')).sort();

test('every matcher kind selects its series across days', async (t) => {
  const { reader } = await twoTenantsTwoDays(t);
  t.deepEqual(await fps(reader, [m('app', '=', 'api')]), ['1']);
  t.deepEqual(await fps(reader, [m('app', '!=', 'api')]), ['2', '3']);
  t.deepEqual(await fps(reader, [m('app', '=~', 'a.*|w.*')]), ['1', '2']);
  t.deepEqual(await fps(reader, [m('app', '=~', 'ap')]), [], 'regexes match the whole value');
  t.deepEqual(await fps(reader, [m('app', '!~', 'api|web')]), ['3']);
  t.deepEqual(await fps(reader, [m('app', '=~', '.+'), m('env', '=~', 'prod|dev')]), ['1', '2']);
});

test('a matcher that accepts the empty value also selects series without the label', async (t) => {
  const { reader } = await twoTenantsTwoDays(t);
  t.deepEqual(await fps(reader, [m('env', '!~', 'prod')]), ['2', '3']);
  t.deepEqual(await fps(reader, [m('env', '=', ''), m('app', '=~', '.+')]), ['3']);
  t.deepEqual(await fps(reader, [m('env', '!=', 'dev'), m('app', '=~', '.+')]), ['1', '3']);
  t.deepEqual(await fps(reader, [m('env', '=~', 'prod|'), m('app', '=~', '.+')]), ['1', '3']);
});

test('a chunk spanning two days is found once with its full reference', async (t) => {
  const { reader } = await twoTenantsTwoDays(t);
  const refs = await reader.chunks('a', [m('app', '=', 'cron')], JAN1, JAN1 + 2n * DAY);
  t.is(refs.length, 1);
  t.like(refs[0], { tenant: 'a', fingerprint: '0000000000000003', labels: cron, from: JAN1 + DAY - 5n, through: JAN1 + DAY + 5n, entries: 10, bytes: 1000, maxSeq: 1 });
  t.deepEqual(await fps(reader, [m('app', '=', 'cron')], 'a', JAN1 + DAY + 1n, JAN1 + DAY + 2n), ['3'], 'found from the second day alone');
});

test('only chunks overlapping [from, through) are returned', async (t) => {
  const { reader } = await twoTenantsTwoDays(t);
  const any = [m('app', '=~', '.+')];
  t.deepEqual(await fps(reader, any, 'a', JAN1 + DAY, JAN1 + 2n * DAY), ['2', '3']);
  t.deepEqual(await fps(reader, any, 'a', JAN1 + 20n, JAN1 + 21n), ['1'], 'a chunk ending at from overlaps');
  t.deepEqual(await fps(reader, any, 'a', JAN1, JAN1 + 10n), [], 'a chunk starting at through does not');
  t.deepEqual(await fps(reader, any, 'a', JAN1 + 5n * DAY, JAN1 + 6n * DAY), []);
});

test('a tenant sees only its own series, names and values', async (t) => {
  const { reader } = await twoTenantsTwoDays(t);
  t.deepEqual(await fps(reader, [m('app', '=~', '.+')], 'b'), ['1', '4']);
  t.deepEqual(await fps(reader, [m('app', '=', 'web')], 'b'), []);
  t.deepEqual(await fps(reader, [m('app', '=', 'secret')], 'a'), []);
  t.deepEqual(labelValuesOf(await reader.series('b', [], JAN1, JAN1 + 2n * DAY), 'app'), ['api', 'secret']);
  t.deepEqual(await fps(reader, [m('app', '=~', '.+')], 'c'), [], 'an unknown tenant has nothing');
  await t.throwsAsync(() => reader.chunks('../b', [], JAN1, JAN1 + DAY), { instanceOf: BadKeyError });
  await t.throwsAsync(() => reader.series('a/2024-01-01', [], JAN1, JAN1 + DAY), { instanceOf: BadKeyError });
});

test('label names, label values and series answer for the time range', async (t) => {
  const { reader } = await twoTenantsTwoDays(t);
  t.deepEqual(labelNamesOf(await reader.series('a', [], JAN1, JAN1 + 2n * DAY)), ['app', 'env']);
  t.deepEqual(labelValuesOf(await reader.series('a', [], JAN1, JAN1 + 2n * DAY), 'app'), ['api', 'cron', 'web']);
  t.deepEqual(labelValuesOf(await reader.series('a', [], JAN1 + DAY, JAN1 + 2n * DAY), 'app'), ['cron', 'web']);
  t.deepEqual(labelValuesOf(await reader.series('a', [m('app', '=~', 'a.*')], JAN1, JAN1 + 2n * DAY), 'env'), ['prod']);
  t.deepEqual(labelValuesOf(await reader.series('a', [], JAN1, JAN1 + 2n * DAY), 'nope'), []);
  const series = await reader.series('a', [m('app', '!=', 'cron')], JAN1, JAN1 + 2n * DAY);
  t.deepEqual(series.map((l) => l.map(([k, v]) => `${k}=${v}`).join(',')).sort(), ['app=api,env=prod', 'app=web,env=dev']);
});

test('a reader sees rows uploaded after it first opened a file', async (t) => {
  const { reader, writer } = await twoTenantsTwoDays(t);
  t.deepEqual(await fps(reader, [m('app', '=', 'api')]), ['1']);
  await writer.addChunks([ref('a', '9', [['app', 'api'], ['v', '2']], JAN1 + 100n, JAN1 + 200n)]);
  t.deepEqual(await fps(reader, [m('app', '=', 'api')]), ['1', '9']);
  t.deepEqual(labelNamesOf(await reader.series('a', [], JAN1, JAN1 + DAY)), ['app', 'env', 'v']);
});

test('index files are cached on disk and reused by a new reader while the store holds the same copy', async (t) => {
  const { dir, store, writer } = await twoTenantsTwoDays(t);
  const cacheDir = join(dir, 'cache2');
  const first = new IndexReader({ store, cacheDir });
  t.deepEqual(await fps(first, [m('app', '=', 'api')]), ['1']);
  first.close();
  const [file] = await store.list('index/a/2024-01-01/');
  const cached = join(cacheDir, ...file.key.split('/'));
  const before = await stat(cached);
  const second = new IndexReader({ store, cacheDir });
  t.teardown(() => second.close());
  t.deepEqual(await fps(second, [m('app', '=', 'api')]), ['1']);
  t.is((await stat(cached)).ino, before.ino, 'not downloaded again');
  await writer.addChunks([ref('a', '8', api, JAN1 + 1n, JAN1 + 2n)]);
  t.deepEqual(await fps(second, [m('app', '=', 'api')]), ['1', '8']);
  // a writer of an earlier Muninn uploaded a day's file again on every flush: here the first file changes
  const added = (await store.list('index/a/2024-01-01/')).find((o) => o.key !== file.key)!;
  await store.put(file.key, await store.get(added.key));
  await store.delete(added.key);
  t.deepEqual(await fps(second, [m('app', '=', 'api')]), ['8']);
  t.not((await stat(cached)).ino, before.ino, 'a changed file is downloaded again');
});

test('a reader without a cache directory holds the files in memory and answers the same', async (t) => {
  const { reader } = await twoTenantsTwoDays(t, false);
  t.deepEqual(await fps(reader, [m('app', '!=', 'api')]), ['2', '3']);
});

test('a reader with few open files still answers queries over more files', async (t) => {
  const { dir, store } = await twoTenantsTwoDays(t);
  const small = new IndexReader({ store, cacheDir: join(dir, 'cache3'), maxOpenFiles: 1 });
  t.teardown(() => small.close());
  for (let i = 0; i < 3; i++) t.deepEqual(await fps(small, [m('app', '=~', '.+')]), ['1', '2', '3']);
  const concurrent = await Promise.all(Array.from({ length: 8 }, () => fps(small, [m('app', '=~', '.+')])));
  t.true(concurrent.every((r) => r.join() === '1,2,3'));
});

test('the index works the same on S3', async (t) => {
  const { dir } = await fsStore(t);
  const store = await openObjectStore({ object_store: 's3', filesystem: { directory: '' }, aws: (await startS3(t)).aws });
  t.teardown(() => store.close());
  const writer = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => writer.close());
  await writer.addChunks([ref('a', '1', api, JAN1, JAN1 + DAY), ref('a', '2', web, JAN1 + 5n, JAN1 + 6n)]);
  t.deepEqual((await store.list('index/')).map((o) => o.key.replace(/w1-\d+\.db$/, 'w1-N.db')), ['index/a/2024-01-01/w1-N.db', 'index/a/2024-01-02/w1-N.db']);
  const reader = new IndexReader({ store, cacheDir: join(dir, 'c') });
  t.teardown(() => reader.close());
  t.deepEqual(await fps(reader, [m('env', '=~', 'prod|dev')], 'a', JAN1, JAN1 + 2n * DAY), ['1', '2']);
  await writer.addChunks([ref('a', '3', cron, JAN1 + 7n, JAN1 + 8n)]);
  t.deepEqual(await fps(reader, [m('app', '=', 'cron')], 'a', JAN1, JAN1 + DAY), ['3']);
});

test('a query over years finds chunks on its first and last days', async (t) => {
  const { reader, writer } = await twoTenantsTwoDays(t);
  const later = JAN1 + 400n * DAY;
  await writer.addChunks([ref('a', '7', cron, later, later + 1n)]);
  t.deepEqual(await fps(reader, [m('app', '=~', 'api|cron')], 'a', JAN1, later + 2n), ['1', '3', '7']);
  t.deepEqual(await fps(reader, [m('app', '=~', 'api|cron')], 'a', JAN1 - 5000n * DAY, JAN1 + 11n), ['1']);
});
