import test from 'ava';
import { batchOf } from '../../model/batch.ts';
import type { Labels } from '../../model/labels.ts';
import { chunkKey, encodeChunk } from '../../storage/chunk/encode.ts';
import { decodeChunk } from '../../storage/chunk/decode.ts';
import { openObjectStore } from '../../storage/open-store.ts';
import { S3Store } from '../../storage/s3-store.ts';
import { startS3 } from '../helpers/s3.ts';
import { storeContract } from './store-contract.ts';

storeContract(test, 's3', async (t) => {
  const store = await openObjectStore({ object_store: 's3', filesystem: { directory: '' }, aws: (await startS3(t)).aws });
  t.teardown(() => store.close());
  return store;
});

test('s3: list follows continuation pages to the last key', async (t) => {
  const store = new S3Store((await startS3(t)).aws, { listPageSize: 3 });
  t.teardown(() => store.close());
  const keys = Array.from({ length: 10 }, (_, i) => `p/k${String(i).padStart(2, '0')}`);
  await Promise.all(keys.map((k) => store.put(k, Buffer.from(k))));
  t.deepEqual((await store.list('p/')).map((o) => o.key), keys);
});

test('s3: a list with a limit stops within the page that reaches it', async (t) => {
  const store = new S3Store((await startS3(t)).aws, { listPageSize: 3 });
  t.teardown(() => store.close());
  const keys = Array.from({ length: 10 }, (_, i) => `p/k${String(i).padStart(2, '0')}`);
  await Promise.all(keys.map((k) => store.put(k, Buffer.from(k))));
  t.deepEqual((await store.list('p/', { limit: 5 })).map((o) => o.key), keys.slice(0, 5));
});

test('s3: a chunk written to the bucket reads back entry for entry', async (t) => {
  const store = await openObjectStore({ object_store: 's3', filesystem: { directory: '' }, aws: (await startS3(t)).aws });
  t.teardown(() => store.close());
  const labels: Labels = [['app', 'api']];
  const meta = { tenant: 'team-a', fingerprint: '00000000000000ff', labels, maxSeq: 7 };
  const entries = Array.from({ length: 3000 }, (_, i) => [BigInt(i) * 1_000_000n, `GET /item/${i} 200 ✓`] as const);
  const { buf, checksum } = encodeChunk(meta, batchOf(labels, entries), 8 * 1024);
  const key = chunkKey(meta, 0n, 2_999_000_000n, checksum);
  await store.put(key, buf);
  t.deepEqual((await store.list('team-a/chunks/')).map((o) => o.key), [key]);
  const chunk = decodeChunk(key, await store.get(key));
  t.deepEqual(chunk.meta, meta);
  const got = chunk.read(0n, 3_000_000_000n).flatMap((b) => Array.from(b.ts, (ts, i) => [ts, b.lines.toString('utf8', b.offsets[i], b.offsets[i + 1])]));
  t.deepEqual(got, entries.map(([ts, l]) => [ts, l]));
  // a reader may fetch just the trailer first
  const tail = await store.getRange(key, buf.length - 16, 16);
  t.deepEqual(tail, buf.subarray(buf.length - 16));
});

test('s3: a missing bucket name is refused when the store is opened', (t) => {
  t.throws(() => new S3Store({ bucketnames: '', region: 'us-east-1', s3forcepathstyle: true }), { message: /bucketnames/ });
});
