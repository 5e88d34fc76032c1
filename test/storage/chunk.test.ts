import test from 'ava';
import { batchOf, type Labels } from '../../logql/batch.ts';
import { ChunkCorruptError, chunkKey, decodeChunk, encodeChunk, type ChunkMeta } from '../../storage/index.ts';

const labels: Labels = [['app', 'api'], ['env', 'prod']];
const meta: ChunkMeta = { tenant: 'team-a', fingerprint: '0123456789abcdef', labels, maxSeq: 42 };
const entries = Array.from({ length: 5000 }, (_, i) => [BigInt(i) * 1000n, i % 7 === 0 ? '' : `line ${i} héllo ✓ ${'x'.repeat(i % 300)}`, i % 11 === 0 ? ([['trace_id', `t${i}`]] as Labels) : undefined] as const);
const batch = batchOf(labels, entries);

const rows = (bs: ReturnType<ReturnType<typeof decodeChunk>['read']>) =>
  bs.flatMap((b) => Array.from(b.ts, (t, i) => [t, b.lines.toString('utf8', b.offsets[i], b.offsets[i + 1]), b.metadata?.[i]]));

test('a chunk reads back every entry, its metadata and its header', (t) => {
  const { buf } = encodeChunk(meta, batch, 16 * 1024);
  const c = decodeChunk('k', buf);
  t.deepEqual(c.meta, meta);
  t.is(c.entries, 5000);
  t.true(c.blocks.length > 10, 'small blocks make many');
  t.is(c.from, 0n);
  t.is(c.through, 4999000n);
  t.deepEqual(rows(c.read(-1n, 10_000_000n)), entries.map(([ts, l, m]) => [ts, l, m]));
});

test('a time range reads only the blocks it overlaps, trimmed to [start, end)', (t) => {
  const c = decodeChunk('k', encodeChunk(meta, batch, 16 * 1024).buf);
  const got = rows(c.read(1_000_000n, 1_005_000n));
  t.deepEqual(got.map((r) => r[0]), [1_000_000n, 1_001_000n, 1_002_000n, 1_003_000n, 1_004_000n]);
});

test('one line larger than a block is a block of its own', (t) => {
  const big = batchOf(labels, [[1n, 'y'.repeat(600_000)], [2n, 'small']]);
  const c = decodeChunk('k', encodeChunk(meta, big, 1024).buf);
  t.is(c.blocks.length, 2);
  t.deepEqual(rows(c.read(0n, 10n)).map((r) => (r[1] as string).length), [600_000, 5]);
});

test('the key holds tenant, fingerprint, time range and checksum', (t) => {
  const { checksum } = encodeChunk(meta, batch);
  t.regex(chunkKey(meta, 0n, 4999000n, checksum), /^team-a\/chunks\/0123456789abcdef\/0000000000000000-00000000004c4758-[0-9a-f]{8}$/);
});

const damage: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
  ['a flipped byte inside a block', (b) => flip(b, Math.floor(b.length / 2)), /block \d+ checksum mismatch/],
  ['a flipped byte in the header', (b) => flip(b, 12), /header checksum mismatch/],
  ['a truncated file', (b) => b.subarray(0, b.length - 100), /trailer|index/],
  ['an empty file', () => Buffer.alloc(0), /truncated header/],
  ['garbage', () => Buffer.from('this is not a chunk at all, not even close'), /bad magic/],
  ['a block index claiming a huge count', (b) => hugeCount(b), /block index/],
];

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] ^= 0xff;
  return c;
}

function hugeCount(b: Buffer): Buffer {
  const c = Buffer.from(b);
  const idxAt = c.readUInt32LE(c.length - 16);
  c.writeUInt32LE(0xffffffff, idxAt);
  return c;
}

for (const [what, harm, message] of damage)
  test(`${what} is a ChunkCorruptError naming the chunk`, (t) => {
    const buf = harm(encodeChunk(meta, batch, 16 * 1024).buf);
    const err = t.throws(() => {
      const c = decodeChunk('team-a/chunks/0123456789abcdef/x', buf);
      c.read(-1n, 10_000_000n);
    });
    t.true(err instanceof ChunkCorruptError);
    t.regex(err!.message, /^chunk team-a\/chunks\/0123456789abcdef\/x: /);
    t.regex(err!.message, message);
  });
