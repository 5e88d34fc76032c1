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
  const writer = new IndexWriter({ dir: join(dir, 'w'), store, writerId: 'ing-1' });
  t.teardown(() => writer.close());
  await writer.addChunks([ref('team-a', '1', labels, JAN1 + 1n, JAN1 + 2n), ref('team-b', '1', labels, JAN1 + DAY, JAN1 + DAY)]);
  t.deepEqual((await store.list('index/')).map((o) => o.key), ['index/team-a/2024-01-01/ing-1-0000.db', 'index/team-b/2024-01-02/ing-1-0000.db']);
  writer.close();
  // a reader with nothing but the store sees them
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('team-a', api, JAN1, JAN1 + DAY)).length, 1);
});

test('indexing the same chunk again leaves one reference', async (t) => {
  const { dir, store } = await fsStore(t);
  const writer = new IndexWriter({ dir: join(dir, 'w'), store, writerId: 'w1' });
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
  const writer = new IndexWriter({ dir: join(dir, 'w'), store, writerId: 'w1' });
  t.teardown(() => writer.close());
  await Promise.all(Array.from({ length: 40 }, (_, i) => writer.addChunks([ref('a', String(i + 1), labels, JAN1 + BigInt(i), JAN1 + BigInt(i))])));
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 40);
});

test('a full segment is sealed and the next rows go to a new one', async (t) => {
  const { dir, store } = await fsStore(t);
  const writer = new IndexWriter({ dir: join(dir, 'w'), store, writerId: 'w1', segmentBytes: 64 * 1024 });
  t.teardown(() => writer.close());
  const many = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ref('a', String(from + i), [['app', 'api'], ['pod', `pod-${from + i}-${'x'.repeat(200)}`]], JAN1 + BigInt(from + i), JAN1 + BigInt(from + i)));
  for (let k = 0; k < 10; k++) await writer.addChunks(many(1 + k * 50, 50));
  const files = await store.list('index/a/2024-01-01/');
  t.true(files.length >= 3, `${files.length} segments`);
  t.deepEqual(files.map((f) => f.key), files.map((_, i) => `index/a/2024-01-01/w1-${String(i).padStart(4, '0')}.db`));
  for (const f of files.slice(0, -1)) t.true(f.size >= 64 * 1024 && f.size < 256 * 1024, `${f.key} ${f.size}`);
  const sealed = files[0];
  await writer.addChunks(many(1000, 5));
  const after = await store.list('index/a/2024-01-01/');
  t.is(after.find((f) => f.key === sealed.key)!.etag, sealed.etag, 'a sealed segment never changes');
  const reader = new IndexReader({ store, cacheDir: join(dir, 'cache') });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 505, 'every segment is read');
});

test('a writer restarted on the same directory continues its segment', async (t) => {
  const { dir, store } = await fsStore(t);
  const first = new IndexWriter({ dir: join(dir, 'w'), store, writerId: 'w1' });
  await first.addChunks([ref('a', '1', labels, JAN1, JAN1)]);
  first.close();
  const second = new IndexWriter({ dir: join(dir, 'w'), store, writerId: 'w1' });
  t.teardown(() => second.close());
  await second.addChunks([ref('a', '2', labels, JAN1 + 1n, JAN1 + 1n)]);
  t.deepEqual((await store.list('index/')).map((o) => o.key), ['index/a/2024-01-01/w1-0000.db']);
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 2);
});

test('a writer that lost its local directory continues from the store and loses no rows', async (t) => {
  const { dir, store } = await fsStore(t);
  const first = new IndexWriter({ dir: join(dir, 'w'), store, writerId: 'w1' });
  await first.addChunks([ref('a', '1', labels, JAN1, JAN1)]);
  first.close();
  const fresh = new IndexWriter({ dir: join(dir, 'new-disk'), store, writerId: 'w1' });
  t.teardown(() => fresh.close());
  await fresh.addChunks([ref('a', '2', labels, JAN1 + 1n, JAN1 + 1n)]);
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 2);
});

test('two writers keep separate files and a reader unions them', async (t) => {
  const { dir, store } = await fsStore(t);
  const w1 = new IndexWriter({ dir: join(dir, 'w1'), store, writerId: 'w1' });
  const w2 = new IndexWriter({ dir: join(dir, 'w2'), store, writerId: 'w1-b' });
  t.teardown(() => (w1.close(), w2.close()));
  await w1.addChunks([ref('a', '1', labels, JAN1, JAN1)]);
  await w2.addChunks([ref('a', '2', labels, JAN1, JAN1)]);
  await w1.addChunks([ref('a', '3', labels, JAN1, JAN1)]);
  t.deepEqual((await store.list('index/a/')).map((o) => o.key), ['index/a/2024-01-01/w1-0000.db', 'index/a/2024-01-01/w1-b-0000.db']);
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  t.is((await reader.chunks('a', api, JAN1, JAN1 + DAY)).length, 3);
});

test('tenants, writer ids and fingerprints that would break the key layout are refused', async (t) => {
  const { dir, store } = await fsStore(t);
  t.throws(() => new IndexWriter({ dir, store, writerId: 'a/b' }), { instanceOf: BadKeyError });
  const writer = new IndexWriter({ dir: join(dir, 'w'), store, writerId: 'w1' });
  t.teardown(() => writer.close());
  await t.throwsAsync(() => writer.addChunks([ref('../x', '1', labels, JAN1, JAN1)]), { instanceOf: BadKeyError });
  await t.throwsAsync(() => writer.addChunks([{ ...ref('a', '1', labels, JAN1, JAN1), fingerprint: 'ZZ' }]), { message: /fingerprint/ });
  t.deepEqual(await store.list(''), []);
});
