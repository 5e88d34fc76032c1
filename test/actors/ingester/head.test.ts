// A stream's head keeps every appended line, compressed block by block as they fill, becomes a
// chunk in time order with exact duplicates dropped, and answers queries with all it holds.
import test from 'ava';
import { blockEntries } from '../../../actors/ingester/blocks.ts';
import { Head } from '../../../actors/ingester/head.ts';
import { batchOf, concatBatches, type EntryBatch } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { assembleChunk, encodeChunk, type ChunkMeta } from '../../../storage/index.ts';
import { entriesOf } from '../../helpers/entries.ts';

const labels: Labels = [['job', 'x']];
const meta: ChunkMeta = { tenant: 't', fingerprint: '0123456789abcdef', labels, maxSeq: 1 };
const ALL = [-(2n ** 63n), 2n ** 63n - 1n] as const;

/** The entries of the chunk the head is cut into, as [ts, line, metadata]. */
const chunkRows = (head: Head) => entriesOf(concatBatches(head.cut().blocks.map((b) => blockEntries(b, labels)))).map((e) => [e.ts, e.line, e.metadata]);
const lines = (batches: EntryBatch[]) => batches.flatMap((b) => entriesOf(b).map((e) => e.line));

test('entries appended in order become a chunk as they were sent, in blocks of about the block size', (t) => {
  const head = new Head(labels, 1024);
  const sent = Array.from({ length: 300 }, (_, i) => [BigInt(i), `line ${i} `.repeat(1 + (i % 5))] as const);
  for (let i = 0; i < sent.length; i += 7) head.append(batchOf(labels, sent.slice(i, i + 7)));
  t.is(head.entries, 300);
  const { blocks, entries } = head.cut();
  t.is(entries, 300);
  t.true(blocks.length > 5);
  for (const b of blocks.slice(0, -1)) t.true(b.rawLength >= 1024 && b.rawLength < 1024 + 12 + 60, `block of ${b.rawLength} raw bytes`);
  t.deepEqual(concatBatches(blocks.map((b) => blockEntries(b, labels))).ts, BigInt64Array.from(sent.map(([ts]) => ts)));
});

test('a head of entries sent in order makes the very chunk encodeChunk writes from them', (t) => {
  const head = new Head(labels, 4096);
  const sent = Array.from({ length: 2000 }, (_, i): [bigint, string, Labels?] => [BigInt(i) * 10n, `level=info i=${i}`, i % 9 ? undefined : [['trace', `t${i}`]]]);
  for (let i = 0; i < sent.length; i += 100) head.append(batchOf(labels, sent.slice(i, i + 100)));
  t.deepEqual(assembleChunk(meta, head.cut().blocks).buf, encodeChunk(meta, batchOf(labels, sent), 4096).buf);
});

test('entries pushed out of order become a chunk in time order, equal times in the order they came', (t) => {
  for (const blockSize of [1 << 20, 40]) {
    const head = new Head(labels, blockSize);
    head.append(batchOf(labels, [[5n, 'five'], [2n, 'two'], [5n, 'five again']]));
    head.append(batchOf(labels, [[1n, 'one'], [5n, 'five late']]));
    t.deepEqual(chunkRows(head).map((r) => r[1]), ['one', 'two', 'five', 'five again', 'five late'], `block size ${blockSize}`);
  }
});

test('an entry sent twice with the same time, line and metadata is kept once; one differing in any is kept', (t) => {
  for (const blockSize of [1 << 20, 30]) {
    const head = new Head(labels, blockSize);
    const m: Labels = [['trace_id', 't1']];
    head.append(batchOf(labels, [[1n, 'a'], [2n, 'b', m]]));
    head.append(batchOf(labels, [[1n, 'a'], [2n, 'b', m], [2n, 'b'], [2n, 'B', m], [3n, 'a']]));
    t.deepEqual(
      chunkRows(head),
      [
        [1n, 'a', undefined],
        [2n, 'b', [['trace_id', 't1']]],
        [2n, 'b', undefined],
        [2n, 'B', [['trace_id', 't1']]],
        [3n, 'a', undefined],
      ],
      `block size ${blockSize}`,
    );
  }
});

test('metadata that arrives only with later entries stays with its own entries', (t) => {
  const head = new Head(labels, 1 << 20);
  head.append(batchOf(labels, [[1n, 'plain']]));
  head.append(batchOf(labels, [[2n, 'tagged', [['k', 'v']]], [3n, 'plain again']]));
  head.append(batchOf(labels, [[4n, 'last']]));
  t.deepEqual(chunkRows(head), [
    [1n, 'plain', undefined],
    [2n, 'tagged', [['k', 'v']]],
    [3n, 'plain again', undefined],
    [4n, 'last', undefined],
  ]);
});

test('a query sees every entry held, compressed or not, and what it got stays the same while more arrives', (t) => {
  const head = new Head(labels, 2048);
  for (let i = 0; i < 100; i++) head.append(batchOf(labels, [[BigInt(i), `line ${i} `.repeat(5)]]));
  const read = head.read(...ALL);
  t.deepEqual(lines(read), Array.from({ length: 100 }, (_, i) => `line ${i} `.repeat(5)));
  t.deepEqual(lines(head.read(10n, 12n)), ['line 10 '.repeat(5), 'line 11 '.repeat(5)]);
  for (let i = 100; i < 5000; i++) head.append(batchOf(labels, [[BigInt(i), `other ${i} `.repeat(5)]]));
  t.deepEqual(lines(read), Array.from({ length: 100 }, (_, i) => `line ${i} `.repeat(5)));
  t.is(lines(head.read(...ALL)).length, 5000);
});

test('the size a head reports for chunk_target_size is its lines compressed, not their raw size', (t) => {
  const head = new Head(labels, 1 << 20);
  head.append(batchOf(labels, Array.from({ length: 16 }, (_, i) => [BigInt(i), 'a'.repeat(1024)] as const)));
  t.is(head.compressedBytes(1 << 20), 16 * 1024, 'below the target nothing is compressed');
  t.true(head.compressedBytes(4096) < 4096, `${head.compressedBytes(4096)} bytes`);
  const sealed = new Head(labels, 1024);
  sealed.append(batchOf(labels, Array.from({ length: 16 }, (_, i) => [BigInt(i), 'a'.repeat(1024)] as const)));
  t.true(sealed.compressedBytes(4096) < 4096, `${sealed.compressedBytes(4096)} bytes once sealed in blocks`);
});
