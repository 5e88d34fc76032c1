// Ingest-log messages carry every entry exactly, lines compressed; messages written before the
// lines were compressed are still read, and a message whose lines disagree with its offsets is
// refused rather than trusted.
import test from 'ava';
import { encode } from '../../bus/codec.ts';
import { BusError } from '../../bus/errors.ts';
import { decodeIngestBatch, encodeIngestBatch } from '../../bus/ingest-batch.ts';
import { batchOf } from '../../model/batch.ts';
import { parseLabels, type Labels } from '../../model/labels.ts';
import { entriesOf } from '../helpers/entries.ts';

const labels: Labels = [['job', 'x']];
const fp = '0123456789abcdef';
const sent = batchOf(labels, [
  [1n, 'level=info msg="first"'],
  [-5n, 'ünïcödé 😀', [['trace_id', 'abc']]],
  [9223372036854775807n, ''],
  [2n, 'level=info msg="first"'.repeat(50)],
]);

test('a batch comes back with every time, line and metadata as it was sent', (t) => {
  const empty = batchOf(labels, []);
  const got = decodeIngestBatch(encodeIngestBatch({ tenant: 't', streams: [{ fp, labels: '{job="x"}', batch: sent }, { fp, labels: '{job="x"}', batch: empty }] }), parseLabels);
  t.is(got.tenant, 't');
  t.deepEqual(entriesOf(got.streams[0].batch), entriesOf(sent));
  t.deepEqual(got.streams[0].batch.labels, labels);
  t.deepEqual(entriesOf(got.streams[1].batch), []);
});

test('the lines of a message take less room than the lines themselves', (t) => {
  const lines = batchOf(labels, Array.from({ length: 100 }, (_, i) => [BigInt(i), `ts=2026-11-25T10:00:00Z level=info caller=handler.go:${i % 50} msg="request done" path=/api/v1/items/${i} status=200`] as const));
  const size = encodeIngestBatch({ tenant: 't', streams: [{ fp, labels: '{job="x"}', batch: lines }] }).length;
  t.true(size * 2 < lines.lines.length, `${size} bytes for ${lines.lines.length} bytes of lines`);
});

/** A message as written before lines were compressed. */
const uncompressedMessage = (lines: Buffer) =>
  encode({
    tenant: 't',
    streams: [{ fp, labels: '{job="x"}', ts: new Uint8Array(sent.ts.buffer), lines, offsets: new Uint8Array(sent.offsets.buffer), meta: [null, [['trace_id', 'abc']], null, null] }],
  });

test('a message written with its lines uncompressed is read as before', (t) => {
  const got = decodeIngestBatch(uncompressedMessage(sent.lines), parseLabels);
  t.deepEqual(entriesOf(got.streams[0].batch), entriesOf(sent));
});

test('a message whose compressed lines claim another size than its offsets is refused', (t) => {
  const message = encodeIngestBatch({ tenant: 't', streams: [{ fp, labels: '{job="x"}', batch: sent }] });
  // the compressed block starts with the raw size: make it claim 4 GiB - 1
  const size = Buffer.alloc(4);
  size.writeUInt32LE(sent.lines.length);
  const at = Buffer.from(message).indexOf(size);
  const bad = Buffer.from(message);
  bad.writeUInt32LE(0xffff_ffff, at);
  t.throws(() => decodeIngestBatch(bad, parseLabels), { instanceOf: BusError, message: /not the \d+ bytes its offsets say/ });
});
