import test from 'ava';
import { brotliCompressSync, constants } from 'node:zlib';
import { batchOf, type EntryBatch } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { crc32 } from '../../../storage/chunk/crc32.ts';
import { ChunkCorruptError, decodeChunk, MAX_BLOCK_BYTES, type ChunkReader } from '../../../storage/chunk/decode.ts';
import { compress as zstdCompress } from 'zstd-napi';
import { toBrotli } from '../../../storage/chunk/brotli.ts';
import { toZstd } from '../../../storage/chunk/zstd.ts';
import { assembleChunk, Codec, encodeBlocks, encodeChunk, type ChunkMeta } from '../../../storage/chunk/encode.ts';

const labels: Labels = [['app', 'api'], ['env', 'prod']];
const meta: ChunkMeta = { tenant: 'team-a', fingerprint: '0123456789abcdef', labels, maxSeq: 9_007_199_254_740_991 };
type Entry = readonly [bigint, string, Labels?];

const entries: Entry[] = Array.from({ length: 5000 }, (_, i) => [
  BigInt(i) * 1000n,
  i % 7 === 0 ? '' : `line ${i} héllo ✓ 日本語 🎉 ${'x'.repeat(i % 300)}`,
  i % 11 === 0 ? ([['trace_id', `t${i}`], ['user', 'ü']] as Labels) : undefined,
]);

const rows = (bs: EntryBatch[]) =>
  bs.flatMap((b) => Array.from(b.ts, (t, i) => [t, b.lines.toString('utf8', b.offsets[i], b.offsets[i + 1]), b.metadata?.[i]] as const));
const roundTrip = (es: Entry[], blockSize?: number, codec?: (typeof Codec)[keyof typeof Codec]): ChunkReader =>
  decodeChunk('k', encodeChunk(meta, batchOf(labels, es), blockSize, codec).buf);
const all = (c: ChunkReader) => rows(c.read(-(2n ** 63n), 2n ** 63n - 1n));

test('a chunk reads back every entry, its metadata and its header', (t) => {
  const c = roundTrip(entries, 16 * 1024);
  t.deepEqual(c.meta, meta);
  t.is(c.entries, 5000);
  t.true(c.blocks.length > 10, 'small blocks make many');
  t.is(c.from, 0n);
  t.is(c.through, 4_999_000n);
  t.deepEqual(all(c), entries.map(([ts, l, m]) => [ts, l, m]));
  t.is(c.blocks.reduce((n, b) => n + b.entries, 0), 5000);
});

test('the uncompressed codec reads back the same entries', (t) => {
  t.deepEqual(all(roundTrip(entries, 16 * 1024, Codec.none)), entries.map(([ts, l, m]) => [ts, l, m]));
});

const shapes: Array<[string, Entry[]]> = [
  ['one empty line', [[5n, '']]],
  ['only empty lines', Array.from({ length: 100 }, (_, i) => [BigInt(i), ''] as const)],
  ['equal timestamps', [[7n, 'a'], [7n, 'b'], [7n, 'a']]],
  ['negative and extreme timestamps', [[-(2n ** 63n), 'min'], [-1n, 'before 1970'], [0n, 'epoch'], [2n ** 63n - 2n, 'max']]],
  ['lines with newlines, NULs and invalid UTF-8 kept as bytes', [[1n, 'a\nb\r\n\0c'], [2n, '\t']]],
  ['metadata on some entries only', [[1n, 'x', [['a', '1']]], [2n, 'y'], [3n, 'z', [['b', ''], ['c', 'long '.repeat(1000)]]]]],
  ['a line of a megabyte beside small ones', [[1n, 'small'], [2n, 'y'.repeat(1 << 20)], [3n, 'tail']]],
];
for (const [name, es] of shapes)
  test(`a chunk of ${name} reads back unchanged`, (t) => {
    t.deepEqual(all(roundTrip(es, 1024)), es.map(([ts, l, m]) => [ts, l, m]));
  });

test('line bytes that are not UTF-8 read back byte for byte', (t) => {
  const line = Buffer.from([0xff, 0xfe, 0x00, 0xc3]);
  const b: EntryBatch = { labels, ts: BigInt64Array.of(1n), lines: line, offsets: Uint32Array.of(0, 4) };
  const [got] = decodeChunk('k', encodeChunk(meta, b).buf).read(0n, 2n);
  t.deepEqual(Buffer.from(got.lines), line);
});

test('one line larger than a block is a block of its own', (t) => {
  const c = roundTrip([[1n, 'y'.repeat(600_000)], [2n, 'small']], 1024);
  t.is(c.blocks.length, 2);
  t.deepEqual(all(c).map((r) => r[1].length), [600_000, 5]);
});

test('a time range decompresses only the blocks it overlaps and trims them to [start, end)', (t) => {
  const c = roundTrip(entries, 16 * 1024);
  t.deepEqual(rows(c.read(1_000_000n, 1_005_000n)).map((r) => r[0]), [1_000_000n, 1_001_000n, 1_002_000n, 1_003_000n, 1_004_000n]);
  t.deepEqual(c.read(5_000_000n, 6_000_000n), [], 'after the chunk');
  t.deepEqual(c.read(500n, 1000n), [], 'between entries');
  // a chunk whose blocks far from the range are broken still answers: they are never read
  const buf = encodeChunk(meta, batchOf(labels, entries), 16 * 1024).buf;
  const last = c.blocks[c.blocks.length - 1];
  buf[last.offset + 10] ^= 0xff;
  const damaged = decodeChunk('k', buf);
  t.is(rows(damaged.read(0n, 2000n)).length, 2);
  t.throws(() => damaged.read(4_999_000n, 5_000_000n), { instanceOf: ChunkCorruptError });
});

test('reading a block gives one batch with column arrays, not an object per entry', (t) => {
  const c = roundTrip(entries, 16 * 1024);
  const b = c.readBlock(1);
  t.true(b.ts instanceof BigInt64Array);
  t.true(b.offsets instanceof Uint32Array);
  t.is(b.offsets.length, b.ts.length + 1);
  t.is(b.ts.length, c.blocks[1].entries);
  t.is(b.ts[0], c.blocks[1].minTs);
});

// ---- corruption -------------------------------------------------------------

const KEY = 'team-a/chunks/0123456789abcdef/x';
const good = encodeChunk(meta, batchOf(labels, entries), 16 * 1024).buf;

function expectCorrupt(t: import('ava').ExecutionContext, buf: Buffer, message?: RegExp, what?: string): void {
  const err = t.throws(() => {
    const c = decodeChunk(KEY, buf);
    for (let i = 0; i < c.blocks.length; i++) c.readBlock(i);
  }, undefined, what);
  t.true(err instanceof ChunkCorruptError, `${what}: ${err?.name} ${err?.message}`);
  t.true(err!.message.startsWith(`chunk ${KEY}: `), err!.message);
  if (message) t.regex(err!.message, message);
}

const flip = (b: Buffer, at: number): Buffer => {
  const c = Buffer.from(b);
  c[at] ^= 0x5a;
  return c;
};

/** Rewrites one block-index field and fixes the index checksum, as a bug or a hostile writer would. */
function forgeIndex(b: Buffer, block: number, field: number, value: number): Buffer {
  const c = Buffer.from(b);
  const idxAt = c.readUInt32LE(c.length - 16);
  const idxLen = c.readUInt32LE(c.length - 12);
  c.writeUInt32LE(value, idxAt + 4 + block * 40 + field);
  c.writeUInt32LE(crc32(c, idxAt, idxAt + idxLen - 4), idxAt + idxLen - 4);
  return c;
}

const damage: Array<[string, () => Buffer, RegExp]> = [
  ['a flipped byte inside a block', () => flip(good, Math.floor(good.length / 2)), /block \d+ checksum mismatch/],
  ['a flipped byte in the header', () => flip(good, 12), /header checksum mismatch/],
  ['a flipped byte in the block index', () => flip(good, good.length - 30), /index/],
  ['a truncated file', () => good.subarray(0, good.length - 100), /trailer|truncated/],
  ['a file cut inside the header', () => good.subarray(0, 20), /truncated/],
  ['an empty file', () => Buffer.alloc(0), /truncated header/],
  ['garbage', () => Buffer.from('this is not a chunk at all, not even close'), /bad magic/],
  ['a newer format version', () => { const c = Buffer.from(good); c[4] = 9; return c; }, /version 9/],
  ['a block index claiming four billion blocks', () => { const c = Buffer.from(good); c.writeUInt32LE(0xffffffff, c.readUInt32LE(c.length - 16)); return c; }, /block index/],
  ['a block claiming four gigabytes raw, checksums forged', () => forgeIndex(good, 0, 8, 0xffffffff), new RegExp(`over ${MAX_BLOCK_BYTES}`)],
  ['a block claiming more entries than its bytes hold', () => forgeIndex(good, 0, 12, 1_000_000), /cannot hold/],
  ['a block whose LZ4 size prefix disagrees with the index', () => forgeIndex(good, 0, 8, good.readUInt32LE(good.readUInt32LE(good.length - 16) + 4 + 8) + 1), /size mismatch/],
];
for (const [what, harm, message] of damage)
  test(`${what} is a ChunkCorruptError naming the chunk`, (t) => expectCorrupt(t, harm(), message, what));

test('every single flipped byte of a small chunk is caught', (t) => {
  for (const codec of [Codec.none, Codec.lz4]) {
    const small = encodeChunk(meta, batchOf(labels, entries.slice(0, 60)), 512, codec).buf;
    for (let i = 0; i < small.length; i++) expectCorrupt(t, flip(small, i), undefined, `codec ${codec}, byte ${i}`);
  }
});

test('every truncation of a small chunk is caught', (t) => {
  const small = encodeChunk(meta, batchOf(labels, entries.slice(0, 60)), 512).buf;
  for (let n = 0; n < small.length; n++) expectCorrupt(t, small.subarray(0, n), undefined, `${n} bytes`);
});

test('random bytes after a valid header never crash or allocate wildly', (t) => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const headerLen = good.indexOf(Buffer.from('}')) + 5;
  for (let k = 0; k < 300; k++) {
    const junk = Buffer.from(Array.from({ length: Math.floor(rnd() * 400) }, () => Math.floor(rnd() * 256)));
    const buf = Buffer.concat([good.subarray(0, headerLen), junk, good.subarray(good.length - 4)]);
    expectCorrupt(t, buf, undefined, `sample ${k}`);
  }
});

// ---- Zstandard and Brotli, the codecs chunks are stored in (blocks recompressed at flush) ------

const recompressed = {
  Zstandard: { codec: Codec.zstd, again: toZstd, bomb: (b: Buffer) => zstdCompress(b, { compressionLevel: 1 }) },
  Brotli: { codec: Codec.brotli, again: toBrotli, bomb: (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }) },
};

for (const [name, { codec, again, bomb }] of Object.entries(recompressed)) {
  const chunkOf = async (es: Entry[], blockSize = 16 * 1024): Promise<Buffer> => assembleChunk(meta, await again(encodeBlocks(batchOf(labels, es), blockSize)), codec).buf;

  test(`a chunk recompressed with ${name} reads back every entry, its metadata and its header`, async (t) => {
    const c = decodeChunk('k', await chunkOf(entries));
    t.deepEqual(c.meta, meta);
    t.deepEqual(all(c), entries.map(([ts, l, m]) => [ts, l, m]));
    for (const [shape, es] of shapes) t.deepEqual(all(decodeChunk('k', await chunkOf(es, 1024))), es.map(([ts, l, m]) => [ts, l, m]), shape);
  });

  test(`${name} stores log lines in at most 70% of the bytes LZ4 takes`, async (t) => {
    const logfmt = (i: number) =>
      `ts=2026-12-02T10:${String(i % 60).padStart(2, '0')}:00.${String(i % 1000).padStart(3, '0')}Z level=${i % 9 ? 'info' : 'error'} caller=handler.go:${100 + ((i * 31) % 50)} msg="request done" path=/api/v1/items/${(i * 7919) % 100_000} status=${i % 17 ? 200 : 500} duration=${(i * 13) % 900}ms trace_id=${((i * 2654435761) >>> 0).toString(16)}`;
    const es: Entry[] = Array.from({ length: 20_000 }, (_, i) => [BigInt(i) * 1_000_000n + BigInt((i * 7) % 1000), logfmt(i)]);
    const lz4 = encodeChunk(meta, batchOf(labels, es), 256 * 1024).buf.length;
    const size = (await chunkOf(es, 256 * 1024)).length;
    t.log(`lz4 ${lz4} bytes, ${name} ${size} (${((100 * size) / lz4).toFixed(0)}%)`);
    t.true(size <= lz4 * 0.7, `lz4 ${lz4} bytes, ${name} ${size}`);
  });

  test(`every single flipped byte of a small ${name} chunk is caught`, async (t) => {
    const small = await chunkOf(entries.slice(0, 60), 512);
    for (let i = 0; i < small.length; i++) expectCorrupt(t, flip(small, i), undefined, `byte ${i}`);
  });

  test(`a ${name} block that decompresses to more than its index says is corrupt, and is never inflated past it`, async (t) => {
    const stored = bomb(Buffer.alloc(256 << 20));
    const block = { stored, rawLength: 1000, entries: 1, lineBytes: 988, minTs: 1n, maxTs: 1n, crc: crc32(stored), flags: 0 };
    const rss = process.memoryUsage().rss;
    expectCorrupt(t, assembleChunk(meta, [block], codec).buf, /does not decompress/, `${stored.length} bytes that inflate to 256 MiB`);
    t.true(process.memoryUsage().rss - rss < 64 << 20, 'the bomb was not inflated');
    // and a forged raw length one byte short of the truth
    const real = await chunkOf(entries);
    const idxAt = real.readUInt32LE(real.length - 16);
    expectCorrupt(t, forgeIndex(real, 0, 8, real.readUInt32LE(idxAt + 4 + 8) - 1), /does not decompress/);
  });
}
