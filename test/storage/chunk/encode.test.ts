import test from 'ava';
import { batchOf } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { chunkKey, Codec, encodeChunk, type ChunkMeta } from '../../../storage/chunk/encode.ts';
import { decodeChunk } from '../../../storage/chunk/decode.ts';
import { crc32, crc32Table } from '../../../storage/chunk/crc32.ts';
import { BadKeyError } from '../../../storage/object-store.ts';

const labels: Labels = [['app', 'api']];
const meta: ChunkMeta = { tenant: 'team-a', fingerprint: '0123456789abcdef', labels, maxSeq: 42 };

test('the key holds tenant, fingerprint, time range and checksum, in hex', (t) => {
  t.is(chunkKey(meta, 0n, 4_999_000n, 0xbeef), 'team-a/chunks/0123456789abcdef/0000000000000000-00000000004c4758-0000beef');
  t.is(chunkKey(meta, -1n, 1n, 0), 'team-a/chunks/0123456789abcdef/ffffffffffffffff-0000000000000001-00000000', 'times before 1970 keep 16 digits');
});

test('the same entries make the same bytes and the same checksum, so a retried put writes the same object', (t) => {
  const b = batchOf(labels, [[1n, 'a'], [2n, 'b']]);
  const x = encodeChunk(meta, b);
  const y = encodeChunk(meta, b);
  t.deepEqual(x.buf, y.buf);
  t.is(x.checksum, y.checksum);
  t.not(encodeChunk({ ...meta, maxSeq: 43 }, b).checksum, x.checksum);
});

test('entries out of time order are refused rather than written unreadable', (t) => {
  t.throws(() => encodeChunk(meta, batchOf(labels, [[2n, 'a'], [1n, 'b']])), { message: /out of order/ });
});

test('a tenant that could leave its prefix or a malformed fingerprint is refused', (t) => {
  const b = batchOf(labels, [[1n, 'a']]);
  t.throws(() => encodeChunk({ ...meta, tenant: '../x' }, b), { instanceOf: BadKeyError });
  t.throws(() => chunkKey({ ...meta, tenant: 'a/b' }, 0n, 1n, 0), { instanceOf: BadKeyError });
  t.throws(() => encodeChunk({ ...meta, fingerprint: 'xyz' }, b), { message: /fingerprint/ });
  t.throws(() => encodeChunk({ ...meta, maxSeq: -1 }, b), { message: /maxSeq/ });
});

test('LZ4 makes repetitive logs several times smaller than the uncompressed codec', (t) => {
  const b = batchOf(labels, Array.from({ length: 20_000 }, (_, i) => [BigInt(i), `level=info msg="request served" path=/api/v1/items/${i % 50} status=200`] as const));
  const lz4 = encodeChunk(meta, b, 256 * 1024, Codec.lz4).buf.length;
  const none = encodeChunk(meta, b, 256 * 1024, Codec.none).buf.length;
  t.true(lz4 * 4 < none, `lz4 ${lz4} bytes, none ${none}`);
});

test('blocks are cut near the block size', (t) => {
  const b = batchOf(labels, Array.from({ length: 10_000 }, (_, i) => [BigInt(i), 'x'.repeat(100)] as const));
  const c = decodeChunk('k', encodeChunk(meta, b, 64 * 1024).buf);
  t.is(c.blocks.length, Math.ceil((10_000 * 112) / (64 * 1024)));
  for (const blk of c.blocks.slice(0, -1)) t.true(blk.rawLength >= 64 * 1024 && blk.rawLength < 64 * 1024 + 112);
});

test('an empty chunk encodes and reads back empty', (t) => {
  const c = decodeChunk('k', encodeChunk(meta, batchOf(labels, [])).buf);
  t.is(c.entries, 0);
  t.deepEqual(c.blocks, []);
  t.deepEqual(c.read(-(2n ** 62n), 2n ** 62n), []);
});

test('chunks differing only in maxSeq, labels or block index get different checksums', (t) => {
  const b = batchOf(labels, Array.from({ length: 200 }, (_, i) => [BigInt(i), `l${i}`] as const));
  const sums = new Set([
    encodeChunk(meta, b).checksum,
    encodeChunk({ ...meta, maxSeq: 43 }, b).checksum,
    encodeChunk({ ...meta, labels: [['app', 'apj']] }, b).checksum,
    encodeChunk(meta, b, 512).checksum,
  ]);
  t.is(sums.size, 4);
});

test('the table CRC-32 used before Node 20.15 equals the native one, also when continued', (t) => {
  const data = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(50));
  t.is(crc32Table(data), crc32(data));
  t.is(crc32Table(data.subarray(100), crc32Table(data.subarray(0, 100))), crc32(data));
  t.is(crc32Table(Buffer.alloc(0)), 0);
});
