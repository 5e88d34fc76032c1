import test from 'ava';
import { join } from 'node:path';
import type { Labels } from '../../../model/labels.ts';
import { BadKeyError } from '../../../storage/object-store.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import { DAY, fsStore, JAN1, ref } from './fixtures.ts';

const labels: Labels = [['app', 'api']];
const api = [{ name: 'app', op: '=' as const, value: 'api' }];

test('index rows are in the store, under the tenant and day, when addChunks resolves', async (t) => {
  const { dir, store } = await fsStore(t);
  const writer = new IndexWriter({ store, writerId: 'ing-1' });
  t.teardown(() => writer.close());
  await writer.addChunks([ref('team-a', '1', labels, JAN1 + 1n, JAN1 + 2n), ref('team-b', '1', labels, JAN1 + DAY, JAN1 + DAY)]);
  t.deepEqual((await store.list('index/')).map((o) => o.key.replace(/-\d+\.db$/, '-N.db')), ['index/team-a/2024-01-01/ing-1-N.db', 'index/team-b/2024-01-02/ing-1-N.db']);
  writer.close();
  // a reader with nothing but the store sees them
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('team-a', api, JAN1, JAN1 + DAY)).length, 1);
});

test('indexing the same chunk again leaves one reference', async (t) => {
  const { dir, store } = await fsStore(t);
  const writer = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => writer.close());
  const r = ref('a', '1', labels, JAN1, JAN1 + 1n);
  await writer.addChunks([r]);
  await writer.addChunks([r, r]);
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 1);
});

test('concurrent addChunks calls all end up in the uploaded file', async (t) => {
  const { dir, store } = await fsStore(t);
  const writer = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => writer.close());
  await Promise.all(Array.from({ length: 40 }, (_, i) => writer.addChunks([ref('a', String(i + 1), labels, JAN1 + BigInt(i), JAN1 + BigInt(i))])));
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 40);
});

test('each upload is a new segment holding only its own rows: its size does not grow with the day', async (t) => {
  const { store } = await fsStore(t);
  const writer = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => writer.close());
  const batch = (from: number) => Array.from({ length: 20 }, (_, i) => ref('a', String(from + i), [['app', 'api'], ['pod', `pod-${from + i}`]], JAN1 + BigInt(from + i), JAN1 + BigInt(from + i)));
  for (let k = 0; k < 30; k++) await writer.addChunks(batch(1 + k * 20));
  const files = await store.list('index/a/2024-01-01/');
  t.is(files.length, 30, 'one segment per upload');
  t.is(writer.uploads, 30);
  t.is(writer.uploadedBytes, files.reduce((n, f) => n + f.size, 0));
  // the last upload costs what the first did, though the day holds thirty times as many rows
  t.true(files[29].size <= files[0].size * 1.2, `first ${files[0].size} B, last ${files[29].size} B`);
  t.true(files[29].size < 16 * 1024, `${files[29].size} B`);
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 600, 'every segment is read');
});

test('a restarted writer never writes over a segment it uploaded before', async (t) => {
  const { store } = await fsStore(t);
  const first = new IndexWriter({ store, writerId: 'w1' });
  await first.addChunks([ref('a', '1', labels, JAN1, JAN1)]);
  first.close();
  const second = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => second.close());
  await second.addChunks([ref('a', '2', labels, JAN1 + 1n, JAN1 + 1n)]);
  const keys = (await store.list('index/')).map((o) => o.key);
  t.is(keys.length, 2);
  t.not(keys[0], keys[1]);
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 2);
});

test('two writers keep separate files and a reader unions them', async (t) => {
  const { dir, store } = await fsStore(t);
  const w1 = new IndexWriter({ store, writerId: 'w1' });
  const w2 = new IndexWriter({ store, writerId: 'w1-b' });
  t.teardown(() => (w1.close(), w2.close()));
  await w1.addChunks([ref('a', '1', labels, JAN1, JAN1)]);
  await w2.addChunks([ref('a', '2', labels, JAN1, JAN1)]);
  await w1.addChunks([ref('a', '3', labels, JAN1, JAN1)]);
  t.deepEqual((await store.list('index/a/')).map((o) => o.key.replace(/-\d+\.db$/, '-N.db')), ['index/a/2024-01-01/w1-N.db', 'index/a/2024-01-01/w1-N.db', 'index/a/2024-01-01/w1-b-N.db']);
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 3);
});

test('tenants, writer ids and fingerprints that would break the key layout are refused', async (t) => {
  const { dir, store } = await fsStore(t);
  t.throws(() => new IndexWriter({ store, writerId: 'a/b' }), { instanceOf: BadKeyError });
  const writer = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => writer.close());
  await t.throwsAsync(() => writer.addChunks([ref('../x', '1', labels, JAN1, JAN1)]), { instanceOf: BadKeyError });
  await t.throwsAsync(() => writer.addChunks([{ ...ref('a', '1', labels, JAN1, JAN1), fingerprint: 'ZZ' }]), { message: /fingerprint/ });
  t.deepEqual(await store.list(''), []);
});
