// Ingest-log messages carry every entry exactly, lines compressed; messages written in the older
// layouts (lines uncompressed, or LZ4 per stream) are still read, and a message whose lines
// disagree with its offsets is refused rather than trusted.
import test from 'ava';
import { compressSync } from 'lz4-napi';
import { compress as zstdCompress } from 'zstd-napi';
import { encode } from '../../bus/codec.ts';
import { BusError } from '../../bus/errors.ts';
import { decodeIngestBatch, encodeIngestBatch } from '../../bus/ingest-batch.ts';
import { batchOf, type EntryColumns } from '../../model/batch.ts';
import { parseLabels, type Labels } from '../../model/labels.ts';
import { Scratch } from '../../model/scratch.ts';
import { entriesOf } from '../helpers/entries.ts';

const labels: Labels = [['job', 'x']];
const fp = '0123456789abcdef';
const sent = batchOf(labels, [
  [1n, 'level=info msg="first"'],
  [-5n, 'ünïcödé 😀', [['trace_id', 'abc']]],
  [9223372036854775807n, ''],
  [2n, 'level=info msg="first"'.repeat(50)],
]);
const other = batchOf([['job', 'y']], [[7n, 'status=500 path=/b'], [8n, 'status=200 path=/c']]);

test('a batch comes back with every time, line and metadata as it was sent', (t) => {
  const empty = batchOf(labels, []);
  const message = encodeIngestBatch({ tenant: 't', streams: [{ fp, labels: '{job="x"}', batch: sent }, { fp, labels: '{job="x"}', batch: empty }, { fp, labels: '{job="y"}', batch: other }] });
  const got = decodeIngestBatch(message, parseLabels);
  t.is(got.tenant, 't');
  t.deepEqual(entriesOf(got.streams[0].batch), entriesOf(sent));
  t.deepEqual(got.streams[0].batch.labels, labels);
  t.deepEqual(entriesOf(got.streams[1].batch), []);
  t.deepEqual(entriesOf(got.streams[2].batch), entriesOf(other));
});

test('a message of empty streams only comes back empty', (t) => {
  const got = decodeIngestBatch(encodeIngestBatch({ tenant: 't', streams: [{ fp, labels: '{job="x"}', batch: batchOf(labels, []) }] }), parseLabels);
  t.deepEqual(entriesOf(got.streams[0].batch), []);
});

test('messages decoded one after another into one scratch each read right until the next', (t) => {
  const scratch = new Scratch();
  const a = decodeIngestBatch(encodeIngestBatch({ tenant: 't', streams: [{ fp, labels: '{job="x"}', batch: sent }] }), parseLabels, scratch);
  t.deepEqual(entriesOf(a.streams[0].batch), entriesOf(sent));
  const b = decodeIngestBatch(encodeIngestBatch({ tenant: 't', streams: [{ fp, labels: '{job="y"}', batch: other }] }), parseLabels, scratch);
  t.deepEqual(entriesOf(b.streams[0].batch), entriesOf(other));
});

test('the lines of a message take less room than the lines themselves', (t) => {
  const lines = batchOf(labels, Array.from({ length: 100 }, (_, i) => [BigInt(i), `ts=2026-11-25T10:00:00Z level=info caller=handler.go:${i % 50} msg="request done" path=/api/v1/items/${i} status=200`] as const));
  const size = encodeIngestBatch({ tenant: 't', streams: [{ fp, labels: '{job="x"}', batch: lines }] }).length;
  t.true(size * 3 < lines.lines.length, `${size} bytes for ${lines.lines.length} bytes of lines`);
});

/** A message in the layout written before lines were compressed per message: `lines` or `lz4` per stream. */
const olderMessage = (field: { lines: Buffer } | { lz4: Buffer }) =>
  encode({
    tenant: 't',
    streams: [{ fp, labels: '{job="x"}', ts: new Uint8Array(sent.ts.buffer), ...field, offsets: new Uint8Array(sent.offsets.buffer), meta: [null, [['trace_id', 'abc']], null, null] }],
  });

test('messages written with lines uncompressed, or LZ4 per stream, are read as before', (t) => {
  t.deepEqual(entriesOf(decodeIngestBatch(olderMessage({ lines: sent.lines }), parseLabels).streams[0].batch), entriesOf(sent));
  t.deepEqual(entriesOf(decodeIngestBatch(olderMessage({ lz4: compressSync(sent.lines) }), parseLabels).streams[0].batch), entriesOf(sent));
});

test('an older message whose LZ4 lines claim another size than its offsets is refused', (t) => {
  const lz4 = Buffer.from(compressSync(sent.lines));
  lz4.writeUInt32LE(0xffff_ffff, 0);
  t.throws(() => decodeIngestBatch(olderMessage({ lz4 }), parseLabels), { instanceOf: BusError, message: /not the \d+ bytes its offsets say/ });
});

/** The current layout with a frame of the caller's choosing. */
const framedMessage = (frame: Buffer) =>
  encode({ tenant: 't', streams: [{ fp, labels: '{job="x"}', ts: new Uint8Array(sent.ts.buffer), offsets: new Uint8Array(sent.offsets.buffer) }], zstd: frame });

test('a frame holding more or fewer bytes than the offsets say is refused', (t) => {
  for (const scratch of [undefined, new Scratch()]) {
    const longer = zstdCompress(Buffer.concat([sent.lines, Buffer.alloc(1 << 20)]));
    t.throws(() => decodeIngestBatch(framedMessage(longer), parseLabels, scratch), { instanceOf: BusError, message: /does not hold the \d+ bytes/ });
    const shorter = zstdCompress(sent.lines.subarray(1));
    t.throws(() => decodeIngestBatch(framedMessage(shorter), parseLabels, scratch), { instanceOf: BusError, message: /holds \d+ bytes, not the \d+ bytes/ });
  }
  const plain = (b: EntryColumns) => entriesOf(b).map((e) => [e.ts, e.line]);
  t.deepEqual(plain(decodeIngestBatch(framedMessage(zstdCompress(sent.lines)), parseLabels).streams[0].batch), plain(sent));
});
