// Push bodies as Loki clients send them decode to plain streams; malformed ones give 400s that name the problem,
// and ones that inflate past the body bound give 413s.
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import test from 'ava';
import protobuf from 'protobufjs';
import snappy from 'snappy';
import { decodePush, encodePushProtobuf } from '../../../actors/distributor/push-body.ts';
import type { PushEntry } from '../../../actors/distributor/push-stream.ts';
import { HttpError } from '../../../actors/http-error.ts';
import { streamsOf } from '../../helpers/entries.ts';
import { queryRange } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';

const json = (doc: unknown) => Buffer.from(JSON.stringify(doc));
const MAX = 1 << 20; // server.max_request_body_bytes for these tests

const sample: Array<{ labels: string; entries: PushEntry[] }> = [
  {
    labels: '{app="api", env="prod"}',
    entries: [
      { ts: 1700000000123456789n, line: 'first' },
      { ts: 1700000000123456790n, line: 'second ünïcode', metadata: [['trace_id', 'abc'], ['user', 'u1']] },
    ],
  },
  { labels: '{app="web"}', entries: [{ ts: 1n, line: '' }] },
];

test('a JSON push decodes to streams with labels rendered as Loki renders them, names sorted', async (t) => {
  const body = json({
    streams: [{ stream: { env: 'prod', app: 'a"p\\i' }, values: [['1700000000000000001', 'hello']] }],
  });
  t.deepEqual(streamsOf(await decodePush(body, 'application/json', undefined, MAX)), [
    { labels: '{app="a\\"p\\\\i", env="prod"}', entries: [{ ts: 1700000000000000001n, line: 'hello' }] },
  ]);
});

test('a JSON push with a charset parameter is still JSON', async (t) => {
  const body = json({ streams: [{ stream: { a: 'b' }, values: [['5', 'x']] }] });
  t.deepEqual(streamsOf(await decodePush(body, 'application/json; charset=utf-8', '', MAX)), [{ labels: '{a="b"}', entries: [{ ts: 5n, line: 'x' }] }]);
});

test('a push without a content type is read as JSON when it looks like JSON, else as protobuf', async (t) => {
  const body = json({ streams: [{ stream: { a: 'b' }, values: [['5', 'x']] }] });
  t.deepEqual(streamsOf(await decodePush(body, undefined, undefined, MAX)), [{ labels: '{a="b"}', entries: [{ ts: 5n, line: 'x' }] }]);
  t.deepEqual(streamsOf(await decodePush(encodePushProtobuf(sample), undefined, undefined, MAX)), sample);
});

test('structured metadata in a JSON entry becomes name/value pairs sorted by name', async (t) => {
  const body = json({
    streams: [{ stream: { a: 'b' }, values: [['7', 'line', { user: 'u1', trace_id: 'abc', n: 3 }], ['8', 'plain', {}]] }],
  });
  const [s] = streamsOf(await decodePush(body, 'application/json', undefined, MAX));
  t.deepEqual(s.entries, [
    { ts: 7n, line: 'line', metadata: [['n', '3'], ['trace_id', 'abc'], ['user', 'u1']] },
    { ts: 8n, line: 'plain' },
  ]);
});

test('JSON null streams, values and entries are skipped as Loki skips them', async (t) => {
  t.deepEqual(streamsOf(await decodePush(json({}), 'application/json', undefined, MAX)), []);
  t.deepEqual(streamsOf(await decodePush(json({ streams: null }), 'application/json', undefined, MAX)), []);
  const body = json({ streams: [null, { stream: { a: 'b' }, values: [null, ['1', 'x']] }, { stream: { c: 'd' }, values: null }] });
  t.deepEqual(streamsOf(await decodePush(body, 'application/json', undefined, MAX)), [
    { labels: '{a="b"}', entries: [{ ts: 1n, line: 'x' }] },
    { labels: '{c="d"}', entries: [] },
  ]);
});

test('a JSON stream without labels comes out as {} for the distributor to refuse', async (t) => {
  const body = json({ streams: [{ values: [['1', 'x']] }] });
  t.deepEqual(streamsOf(await decodePush(body, 'application/json', undefined, MAX)), [{ labels: '{}', entries: [{ ts: 1n, line: 'x' }] }]);
});

test('negative and int64-extreme timestamps survive JSON decoding exactly', async (t) => {
  const body = json({ streams: [{ stream: { a: 'b' }, values: [['-5', 'x'], ['9223372036854775807', 'y']] }] });
  const [s] = streamsOf(await decodePush(body, 'application/json', undefined, MAX));
  t.deepEqual(s.entries.map((e) => e.ts), [-5n, 9223372036854775807n]);
});

test('a protobuf push round-trips through snappy with timestamps, lines and structured metadata intact', async (t) => {
  const body = encodePushProtobuf(sample);
  t.deepEqual(streamsOf(await decodePush(body, 'application/x-protobuf', undefined, MAX)), sample);
});

test('a protobuf push round-trips timestamps before 1970 and int64 extremes', async (t) => {
  const streams = [{ labels: '{a="b"}', entries: [{ ts: -1n, line: 'x' }, { ts: -1_500_000_000n, line: 'y' }, { ts: 9223372036854775807n, line: 'z' }] }];
  t.deepEqual(streamsOf(await decodePush(encodePushProtobuf(streams), 'application/x-protobuf', undefined, MAX)), streams);
});

test('a protobuf push saying Content-Encoding snappy is still decoded once', async (t) => {
  t.deepEqual(streamsOf(await decodePush(encodePushProtobuf(sample), 'application/x-protobuf', 'snappy', MAX)), sample);
});

test('an empty protobuf push has no streams', async (t) => {
  t.deepEqual(streamsOf(await decodePush(encodePushProtobuf([]), 'application/x-protobuf', undefined, MAX)), []);
});

test('a gzip JSON push decodes like the plain one', async (t) => {
  const plain = json({ streams: [{ stream: { a: 'b' }, values: [['1', 'x', { k: 'v' }]] }] });
  const want = streamsOf(await decodePush(plain, 'application/json', undefined, MAX));
  t.deepEqual(streamsOf(await decodePush(gzipSync(plain), 'application/json', 'gzip', MAX)), want);
  t.deepEqual(streamsOf(await decodePush(gzipSync(plain), 'application/json', 'GZIP', MAX)), want);
});

test('a deflate JSON push decodes whether it is raw deflate (Go) or zlib-wrapped (HTTP)', async (t) => {
  const plain = json({ streams: [{ stream: { a: 'b' }, values: [['1', 'x']] }] });
  const want = streamsOf(await decodePush(plain, 'application/json', undefined, MAX));
  t.deepEqual(streamsOf(await decodePush(deflateRawSync(plain), 'application/json', 'deflate', MAX)), want);
  t.deepEqual(streamsOf(await decodePush(deflateSync(plain), 'application/json', 'deflate', MAX)), want);
});

test('a gzip protobuf push decodes too', async (t) => {
  t.deepEqual(streamsOf(await decodePush(gzipSync(encodePushProtobuf(sample)), 'application/x-protobuf', 'gzip', MAX)), sample);
});

const garbageProto = snappy.compressSync(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));

const badBodies: Array<[string, Buffer, string | undefined, string | undefined, RegExp]> = [
  ['malformed JSON', Buffer.from('{"streams": ['), 'application/json', undefined, /JSON/],
  ['JSON that is not an object', json([1, 2]), 'application/json', undefined, /must be a JSON object, got an array/],
  ['streams that are not an array', json({ streams: {} }), 'application/json', undefined, /"streams" must be an array, got an object/],
  ['a stream that is not an object', json({ streams: [5] }), 'application/json', undefined, /streams\[0\] must be an object/],
  ['labels that are not an object', json({ streams: [{ stream: 'a=b', values: [] }] }), 'application/json', undefined, /streams\[0\]\.stream must be an object/],
  ['a label value that is not a string', json({ streams: [{ stream: { a: 1 }, values: [] }] }), 'application/json', undefined, /label "a" must have a string value, got a number/],
  ['values that are not an array', json({ streams: [{ stream: { a: 'b' }, values: 'x' }] }), 'application/json', undefined, /values of stream \{a="b"\} must be an array/],
  ['an entry with one element', json({ streams: [{ stream: { a: 'b' }, values: [['1']] }] }), 'application/json', undefined, /must be an array of \[timestamp, line\]/],
  ['a numeric timestamp', json({ streams: [{ stream: { a: 'b' }, values: [[1, 'x']] }] }), 'application/json', undefined, /timestamp .* must be a string of nanoseconds, got a number/],
  ['a timestamp that is not an integer', json({ streams: [{ stream: { a: 'b' }, values: [['1.5', 'x']] }] }), 'application/json', undefined, /invalid timestamp "1.5" .*stream \{a="b"\}/],
  ['an RFC3339 timestamp', json({ streams: [{ stream: { a: 'b' }, values: [['2024-01-01T00:00:00Z', 'x']] }] }), 'application/json', undefined, /invalid timestamp "2024-01-01T00:00:00Z"/],
  ['a timestamp beyond int64', json({ streams: [{ stream: { a: 'b' }, values: [['9223372036854775808', 'x']] }] }), 'application/json', undefined, /invalid timestamp "9223372036854775808"/],
  ['a line that is not a string', json({ streams: [{ stream: { a: 'b' }, values: [['1', 2]] }] }), 'application/json', undefined, /line of an entry of stream \{a="b"\} must be a string/],
  ['structured metadata that is not an object', json({ streams: [{ stream: { a: 'b' }, values: [['1', 'x', 'k=v']] }] }), 'application/json', undefined, /structured metadata .* must be an object, got a string/],
  ['a structured metadata value that is an object', json({ streams: [{ stream: { a: 'b' }, values: [['1', 'x', { k: {} }]] }] }), 'application/json', undefined, /structured metadata "k" .* must be a string/],
  ['a body that is not gzip', Buffer.from('{"streams":[]}'), 'application/json', 'gzip', /gzip: invalid compressed body/],
  ['a body that is not deflate', Buffer.from([0xff, 0xff, 0xff]), 'application/json', 'deflate', /deflate: invalid compressed body/],
  ['an unsupported Content-Encoding', json({}), 'application/json', 'br', /^Content-Encoding "br" not supported$/],
  ['a body that is not snappy', Buffer.from('not snappy at all'), 'application/x-protobuf', undefined, /snappy/],
  ['snappy around bytes that are not a push request', garbageProto, 'application/x-protobuf', undefined, /malformed protobuf push request/],
];

for (const [what, body, type, encoding, message] of badBodies)
  test(`a push with ${what} is refused with 400 naming the problem`, async (t) => {
    const err = await t.throwsAsync(decodePush(body, type, encoding, MAX), { instanceOf: HttpError });
    t.is(err?.status, 400);
    t.regex(err?.message ?? '', message);
  });

// ---- bodies that inflate past the bound ----

const tooLarge = (max: number) => `request body too large: decompressed size over ${max} bytes`;
const zeros = Buffer.alloc(16 * MAX); // each encoding packs it into less than MAX: a small bomb

const bombs: Array<[string, Buffer, string | undefined, string | undefined]> = [
  ['gzip', gzipSync(zeros), 'application/json', 'gzip'],
  ['zlib-wrapped deflate', deflateSync(zeros), 'application/json', 'deflate'],
  ['raw deflate', deflateRawSync(zeros), 'application/json', 'deflate'],
  ['snappy', snappy.compressSync(zeros), 'application/x-protobuf', undefined],
  ['snappy inside gzip', gzipSync(snappy.compressSync(zeros)), 'application/x-protobuf', 'gzip'],
];

for (const [what, body, type, encoding] of bombs)
  test(`a ${what} body that inflates past the bound is refused with 413 saying so`, async (t) => {
    t.true(body.length < MAX, 'the compressed body itself is within the bound');
    const err = await t.throwsAsync(decodePush(body, type, encoding, MAX), { instanceOf: HttpError });
    t.is(err?.status, 413);
    t.is(err?.message, tooLarge(MAX));
  });

test('a compressed JSON body that inflates to exactly the bound is accepted, one byte over is refused', async (t) => {
  const plain = json({ streams: [{ stream: { a: 'b' }, values: [['1', 'x'.repeat(1000)]] }] });
  const want = streamsOf(await decodePush(plain, 'application/json', undefined, plain.length));
  for (const [encoding, body] of [['gzip', gzipSync(plain)], ['deflate', deflateSync(plain)], ['deflate', deflateRawSync(plain)]] as const) {
    t.deepEqual(streamsOf(await decodePush(body, 'application/json', encoding, plain.length)), want, encoding);
    const err = await t.throwsAsync(decodePush(body, 'application/json', encoding, plain.length - 1), { instanceOf: HttpError });
    t.is(err?.status, 413, encoding);
    t.is(err?.message, tooLarge(plain.length - 1));
  }
});

test('a snappy protobuf body whose header says exactly the bound is accepted, one byte over is refused', async (t) => {
  const body = encodePushProtobuf(sample);
  const size = snappy.uncompressSync(body, { asBuffer: true }).length;
  t.deepEqual(streamsOf(await decodePush(body, 'application/x-protobuf', undefined, size)), sample);
  const err = await t.throwsAsync(decodePush(body, 'application/x-protobuf', undefined, size - 1), { instanceOf: HttpError });
  t.is(err?.status, 413);
  t.is(err?.message, tooLarge(size - 1));
});

/** A snappy block with its length header replaced: a little-endian base-128 varint. */
function withSnappyLength(block: Buffer, claimed: number): Buffer {
  let headerBytes = 0;
  while (block[headerBytes] >= 0x80) headerBytes++;
  const header: number[] = [];
  for (let n = claimed; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      header.push(n);
      break;
    }
    header.push((n % 128) | 0x80);
  }
  return Buffer.concat([Buffer.from(header), block.subarray(headerBytes + 1)]);
}

test('a snappy header claiming more than the bound is refused with 413 before anything is decompressed', async (t) => {
  // 4 GiB - 1 claimed in front of a few bytes: had the decoder run, it would have allocated the claim
  const body = withSnappyLength(encodePushProtobuf(sample), 0xffff_ffff);
  const err = await t.throwsAsync(decodePush(body, 'application/x-protobuf', undefined, MAX), { instanceOf: HttpError });
  t.is(err?.status, 413);
  t.is(err?.message, tooLarge(MAX));
});

test('a snappy header that lies about the length within the bound is refused with 400 as corrupt', async (t) => {
  const body = encodePushProtobuf(sample);
  const size = snappy.uncompressSync(body, { asBuffer: true }).length;
  for (const claimed of [size - 1, 10, size + 1, MAX]) {
    const err = await t.throwsAsync(decodePush(withSnappyLength(body, claimed), 'application/x-protobuf', undefined, MAX), { instanceOf: HttpError });
    t.is(err?.status, 400, `claimed ${claimed} of ${size}`);
    t.regex(err?.message ?? '', /^snappy: corrupt input/);
  }
});

test('a snappy length header that is not a 32-bit varint is refused with 400', async (t) => {
  for (const header of [[0xff, 0xff, 0xff, 0xff, 0x1f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [0x80]]) {
    const err = await t.throwsAsync(decodePush(Buffer.from(header), 'application/x-protobuf', undefined, MAX), { instanceOf: HttpError });
    t.is(err?.status, 400, JSON.stringify(header));
    t.is(err?.message, 'snappy: corrupt input (invalid length header)');
  }
});

// ---- bodies as Loki's clients build them ----
// promtail and Grafana Alloy marshal Loki's logproto.PushRequest (pkg/push/push.proto: labels as
// the label set's text, Timestamp as google.protobuf.Timestamp, Alloy's structured metadata as
// name/value pairs) and snappy-block it; here from that .proto's text, not from Muninn's schema.
const PUSH_PROTO = `
syntax = "proto3";
package logproto;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message LabelPairAdapter { string name = 1; string value = 2; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message PushRequest { repeated StreamAdapter streams = 1; }
`;
const ClientPush = protobuf.parse(PUSH_PROTO, { keepCase: true }).root.lookupType('logproto.PushRequest');
const at = (ns: bigint) => ({ seconds: String(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) });
const T = BigInt(Date.now() - 60_000) * 1_000_000n;

/** Three entries of one stream sent newest first, the middle one with Alloy's structured metadata; and a second stream. */
function clientBody(): Buffer {
  const msg = {
    streams: [
      {
        labels: '{job="varlogs", host="h1"}', // promtail prints its label set sorted; a client may not
        entries: [
          { timestamp: at(T + 3_000_000n), line: 'third' },
          { timestamp: at(T + 1_000_000n), line: 'first', structuredMetadata: [{ name: 'trace_id', value: 't-1' }, { name: 'pod', value: 'p-9' }] },
          { timestamp: at(T + 2_000_000n), line: 'second' },
        ],
      },
      { labels: '{job="other"}', entries: [{ timestamp: at(T), line: 'elsewhere' }] },
    ],
  };
  return snappy.compressSync(Buffer.from(ClientPush.encode(ClientPush.fromObject(msg)).finish()));
}

test('a promtail or Alloy protobuf body decodes with its entries in the order sent and structured metadata sorted by name', async (t) => {
  t.deepEqual(streamsOf(await decodePush(clientBody(), 'application/x-protobuf', undefined, MAX)), [
    {
      labels: '{job="varlogs", host="h1"}',
      entries: [
        { ts: T + 3_000_000n, line: 'third' },
        { ts: T + 1_000_000n, line: 'first', metadata: [['pod', 'p-9'], ['trace_id', 't-1']] },
        { ts: T + 2_000_000n, line: 'second' },
      ],
    },
    { labels: '{job="other"}', entries: [{ ts: T, line: 'elsewhere' }] },
  ]);
});

test('a promtail or Alloy protobuf push over HTTP with entries out of order is answered 204 and read back in time order with its structured metadata', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url);
  const res = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(clientBody()) });
  t.is(res.status, 204);
  const got = await queryRange(url, { query: '{job="varlogs"}', start: String(T - 1000n), end: String(T + 10_000_000n), direction: 'forward' });
  t.deepEqual(
    got.result.flatMap((s) => s.values.map(([ts, line]) => [ts, line, s.stream])).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    [
      [String(T + 1_000_000n), 'first', { host: 'h1', job: 'varlogs', pod: 'p-9', trace_id: 't-1' }],
      [String(T + 2_000_000n), 'second', { host: 'h1', job: 'varlogs' }],
      [String(T + 3_000_000n), 'third', { host: 'h1', job: 'varlogs' }],
    ],
  );
});
