// The byte scanner that reads usual JSON pushes gives exactly what JSON.parse gives, and leaves
// every body it does not read in full (hostile, malformed or merely unusual) to JSON.parse, so
// a client sees the same streams and the same error texts whichever reads its push.
import test from 'ava';
import { decodeJson, decodePush } from '../../../actors/distributor/push-body.ts';
import { scanPushJson } from '../../../actors/distributor/push-json.ts';
import type { PushStream } from '../../../actors/distributor/push-stream.ts';
import { HttpError } from '../../../actors/http-error.ts';

/** Streams with each line as its exact bytes, so a difference in any byte shows. */
const exact = (streams: readonly PushStream[]) =>
  streams.map((s) => ({
    labels: s.labels,
    entries: Array.from(s.entries.ts, (ts, i) => [ts, Buffer.from(s.entries.lines.subarray(s.entries.offsets[i], s.entries.offsets[i + 1])), s.entries.metadata?.[i]]),
  }));

/** JSON.parse's reading of a body: its streams, or its error text. */
function parsed(body: Buffer): { streams: ReturnType<typeof exact> } | { error: string } {
  try {
    return { streams: exact(decodeJson(body)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The scanner reads `body` as JSON.parse does, or leaves it to JSON.parse. */
function agrees(t: import('ava').ExecutionContext, body: Buffer, what: string): 'read' | 'left' {
  const scanned = scanPushJson(body);
  const want = parsed(body);
  if (scanned === undefined) return 'left';
  t.deepEqual({ streams: exact(scanned) }, want, `${what}: ${clip(body)}`);
  return 'read';
}

const clip = (b: Buffer) => JSON.stringify(b.toString('latin1').slice(0, 200));

const body = (doc: unknown) => Buffer.from(JSON.stringify(doc));

/** Lines a log agent really sends: logfmt with quotes, JSON, unicode, escapes of every kind. */
const LINES = [
  'ts=2026-11-25T10:00:00.123Z level=info caller=handler.go:123 msg="request done" method=GET path=/api/v1/items/12345 status=200',
  JSON.stringify({ level: 'error', msg: 'boom "quoted"', path: 'C:\\temp\\x', n: 3 }),
  '',
  'tab\there, newline\nthere, cr\r, backspace\b, formfeed\f, slash / and backslash \\',
  'ünïcödé — 日本語 — emoji 😀 and 𝄞',
  'controls \u0000 \u0001 \u001f and del \u007f',
  'a lone high surrogate \ud800 then text',
  'a lone low surrogate \udc00',
  'reversed pair \udc00\ud800',
  'x'.repeat(5000),
];

const usual = [
  body({ streams: [{ stream: { job: 'bench', pod: 'pod-1' }, values: LINES.map((l, i) => [String(1764000000000000000n + BigInt(i)), l]) }] }),
  body({
    streams: [
      { stream: { app: 'api', env: 'prod' }, values: [['1', 'a', { trace_id: 'abc', user: 'u1' }], ['2', 'b'], ['3', 'c', {}]] },
      { stream: { z: 'last', a: 'first', 'm-x': 'q"uote', ü: 'ö' }, values: [['-5', 'neg'], ['0', 'zero'], ['-0', 'minus zero']] },
      { values: [['9223372036854775807', 'max']], stream: { reversed: 'keys' } },
      { stream: { a: 'b' }, values: [['-9223372036854775808', 'min'], ['0000000000000000001', 'leading zeros']] },
      null,
      { stream: null, values: null },
      { stream: { only: 'labels' } },
      { values: [['7', 'no labels']] },
      {},
      { stream: { meta: 'first' }, values: [['1', 'x'], null, ['2', 'y', { b: '2', a: '1', é: 'ü' }], ['3', 'z']] },
      { stream: { esc: 'tab\there' }, values: [['1', 'x', { 'k\n': 'v\\' }]] },
    ],
  }),
  body({}),
  body({ streams: null }),
  body({ streams: [] }),
  Buffer.from(' \n\t{ "streams" : [ { "stream" : { "a" : "b" } , "values" : [ [ "1" , "x" ] , [ "2" , "y" , { "k" : "v" } ] ] } ] } \r\n'),
  Buffer.from('{"streams":[{"stream":{"a":"b"},"values":[["1","\\u00e9\\u00E9\\u20ac\\ud83d\\ude00\\uD83D\\uDE00\\u0000\\/"]]}]}'),
  Buffer.from('{"streams":[{"stream":{"a":"b"},"values":[["1","\\ud83d\\u0041 \\ud83d\\ud83d\\ude00 \\ude00\\ud83d"]]}]}'),
];

test('usual pushes are read by the scanner, with exactly the streams JSON.parse gives', (t) => {
  for (const [i, b] of usual.entries()) t.is(agrees(t, b, `usual body ${i}`), 'read', clip(b));
});

test('a push of a thousand lines over ten streams, as the bench sends it, is read by the scanner', (t) => {
  const streams = Array.from({ length: 10 }, (_, s) => ({
    stream: { job: 'bench', pod: `pod-${s}` },
    values: Array.from({ length: 100 }, (_, k) => [String(1764000000000000000n + BigInt(s * 100 + k)), LINES[k % LINES.length] + k]),
  }));
  t.is(agrees(t, body({ streams }), 'bench body'), 'read');
});

// Bodies JSON.parse refuses or reads differently from the usual shape: the scanner must not read them.
const hostile: Array<[string, string | Buffer]> = [
  ['an empty body', ''],
  ['only whitespace', '  \n'],
  ['a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body({ streams: [] })])],
  ['trailing garbage', '{"streams":[]} x'],
  ['two documents', '{"streams":[]}{"streams":[]}'],
  ['an array', '[1,2]'],
  ['a string', '"streams"'],
  ['null', 'null'],
  ['streams that are an object', '{"streams":{}}'],
  ['streams that are a number', '{"streams":1}'],
  ['a stream that is a number', '{"streams":[5]}'],
  ['a stream that is an array', '{"streams":[[]]}'],
  ['labels that are a string', '{"streams":[{"stream":"a=b","values":[]}]}'],
  ['a label value that is a number', '{"streams":[{"stream":{"a":1},"values":[["1","x"]]}]}'],
  ['a label value that is null', '{"streams":[{"stream":{"a":null},"values":[["1","x"]]}]}'],
  ['values that are a string', '{"streams":[{"stream":{"a":"b"},"values":"x"}]}'],
  ['an entry that is an object', '{"streams":[{"stream":{"a":"b"},"values":[{"ts":"1"}]}]}'],
  ['an entry with one element', '{"streams":[{"stream":{"a":"b"},"values":[["1"]]}]}'],
  ['an empty entry', '{"streams":[{"stream":{"a":"b"},"values":[[]]}]}'],
  ['an entry with four elements', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",{},"extra"]]}]}'],
  ['a numeric timestamp', '{"streams":[{"stream":{"a":"b"},"values":[[1,"x"]]}]}'],
  ['a huge numeric timestamp', '{"streams":[{"stream":{"a":"b"},"values":[[1e400,"x"]]}]}'],
  ['a fractional timestamp', '{"streams":[{"stream":{"a":"b"},"values":[["1.5","x"]]}]}'],
  ['an empty timestamp', '{"streams":[{"stream":{"a":"b"},"values":[["","x"]]}]}'],
  ['a bare minus as timestamp', '{"streams":[{"stream":{"a":"b"},"values":[["-","x"]]}]}'],
  ['a timestamp with a plus', '{"streams":[{"stream":{"a":"b"},"values":[["+1","x"]]}]}'],
  ['a timestamp with spaces', '{"streams":[{"stream":{"a":"b"},"values":[[" 1","x"]]}]}'],
  ['an escaped digit in a timestamp', '{"streams":[{"stream":{"a":"b"},"values":[["\\u0031","x"]]}]}'],
  ['an RFC3339 timestamp', '{"streams":[{"stream":{"a":"b"},"values":[["2024-01-01T00:00:00Z","x"]]}]}'],
  ['a timestamp one past int64', '{"streams":[{"stream":{"a":"b"},"values":[["9223372036854775808","x"]]}]}'],
  ['a timestamp one below int64', '{"streams":[{"stream":{"a":"b"},"values":[["-9223372036854775809","x"]]}]}'],
  ['a timestamp of twenty digits', '{"streams":[{"stream":{"a":"b"},"values":[["10000000000000000000","x"]]}]}'],
  ['a timestamp of a hundred digits', `{"streams":[{"stream":{"a":"b"},"values":[["${'9'.repeat(100)}","x"]]}]}`],
  ['a line that is a number', '{"streams":[{"stream":{"a":"b"},"values":[["1",2]]}]}'],
  ['a line that is null', '{"streams":[{"stream":{"a":"b"},"values":[["1",null]]}]}'],
  ['a line that is an object', '{"streams":[{"stream":{"a":"b"},"values":[["1",{}]]}]}'],
  ['metadata that is a string', '{"streams":[{"stream":{"a":"b"},"values":[["1","x","k=v"]]}]}'],
  ['metadata that is null', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",null]]}]}'],
  ['a metadata value that is a number', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",{"n":3}]]}]}'],
  ['a metadata value that is a big number', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",{"n":1e21}]]}]}'],
  ['a metadata value that is an object', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",{"k":{}}]]}]}'],
  ['a duplicate metadata name', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",{"k":"1","k":"2"}]]}]}'],
  ['a duplicate label name', '{"streams":[{"stream":{"a":"1","a":"2"},"values":[["1","x"]]}]}'],
  ['a duplicate stream key', '{"streams":[{"stream":{"a":"1"},"stream":{"b":"2"},"values":[["1","x"]]}]}'],
  ['a duplicate values key', '{"streams":[{"stream":{"a":"1"},"values":[["1","x"]],"values":[["2","y"]]}]}'],
  ['a duplicate streams key', '{"streams":[{"stream":{"a":"1"},"values":[["1","x"]]}],"streams":[]}'],
  ['an unknown top-level key', '{"streams":[],"extra":true}'],
  ['an unknown top-level key first', '{"extra":true,"streams":[{"stream":{"a":"b"},"values":[["1","x"]]}]}'],
  ['an unknown stream key', '{"streams":[{"stream":{"a":"b"},"values":[["1","x"]],"labels":"{}"}]}'],
  ['an escaped key', '{"str\\u0065ams":[{"stream":{"a":"b"},"values":[["1","x"]]}]}'],
  ['a raw newline in a line', '{"streams":[{"stream":{"a":"b"},"values":[["1","x\ny"]]}]}'],
  ['a raw NUL in a line', '{"streams":[{"stream":{"a":"b"},"values":[["1","x\u0000y"]]}]}'],
  ['a raw tab in a label value', '{"streams":[{"stream":{"a":"b\tc"},"values":[["1","x"]]}]}'],
  ['an unknown escape', '{"streams":[{"stream":{"a":"b"},"values":[["1","\\x41"]]}]}'],
  ['a short unicode escape', '{"streams":[{"stream":{"a":"b"},"values":[["1","\\u12"]]}]}'],
  ['a unicode escape that is not hex', '{"streams":[{"stream":{"a":"b"},"values":[["1","\\u12G4"]]}]}'],
  ['a high surrogate before a bad escape', '{"streams":[{"stream":{"a":"b"},"values":[["1","\\ud83d\\uZZZZ"]]}]}'],
  ['a backslash at the end of a line', '{"streams":[{"stream":{"a":"b"},"values":[["1","x\\"]]}]}'],
  ['an unterminated line', '{"streams":[{"stream":{"a":"b"},"values":[["1","x'],
  ['single quotes', "{'streams':[]}"],
  ['a trailing comma in values', '{"streams":[{"stream":{"a":"b"},"values":[["1","x"],]}]}'],
  ['a trailing comma in streams', '{"streams":[{"stream":{"a":"b"},"values":[["1","x"]]},]}'],
  ['a trailing comma in labels', '{"streams":[{"stream":{"a":"b",},"values":[["1","x"]]}]}'],
  ['a missing comma', '{"streams":[{"stream":{"a":"b"} "values":[["1","x"]]}]}'],
  ['a misspelled null', '{"streams":[nul]}'],
  ['null followed by letters', '{"streams":[nullx]}'],
  ['a comment', '{"streams":[] /* hi */}'],
  ['a line with invalid UTF-8', Buffer.from([...Buffer.from('{"streams":[{"stream":{"a":"b"},"values":[["1","x'), 0xff, 0xfe, ...Buffer.from('"]]}]}')])],
  ['a line with an overlong encoding', Buffer.from([...Buffer.from('{"streams":[{"stream":{"a":"b"},"values":[["1","'), 0xc0, 0xaf, ...Buffer.from('"]]}]}')])],
  ['a line with an encoded surrogate', Buffer.from([...Buffer.from('{"streams":[{"stream":{"a":"b"},"values":[["1","'), 0xed, 0xa0, 0x80, ...Buffer.from('"]]}]}')])],
  ['a line with a truncated sequence', Buffer.from([...Buffer.from('{"streams":[{"stream":{"a":"b"},"values":[["1","'), 0xe2, 0x82, ...Buffer.from('"]]}]}')])],
  ['deeply nested arrays', '{"streams":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}'],
  ['deeply nested objects', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",' + '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000) + ']]}]}'],
];

for (const [what, text] of hostile)
  test(`a push with ${what} is left to JSON.parse`, (t) => {
    const b = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
    t.is(scanPushJson(b), undefined);
  });

test('invalid UTF-8 in a label value becomes U+FFFD, as JSON.parse reads it', (t) => {
  const b = Buffer.from([...Buffer.from('{"streams":[{"stream":{"a":"x'), 0xff, ...Buffer.from('"},"values":[["1","x"]]}]}')]);
  t.is(agrees(t, b, 'invalid UTF-8 label'), 'read');
});

test('every prefix of a usual push is refused by both, with JSON.parse words', async (t) => {
  const b = usual[1];
  for (let n = 0; n < b.length; n++) {
    const prefix = b.subarray(0, n);
    t.is(scanPushJson(prefix), undefined, `prefix of ${n} bytes`);
    const err = await t.throwsAsync(decodePush(prefix, 'application/json', undefined, 1 << 20), { instanceOf: HttpError });
    t.is(err?.status, 400);
  }
});

/** A small seeded generator, so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

const NASTY = ['"', '\\', '\\"', '\\u', '\\ud800', '\\udc00', ',', ':', '[', ']', '{', '}', 'null', '1e9', '-', '\n', ' ', '\u0000', 'é', '😀'];

test('bodies mutated at random are read exactly as JSON.parse reads them, or left to it', (t) => {
  const next = random(11);
  let read = 0;
  for (let k = 0; k < 4000; k++) {
    const base = usual[k % usual.length].toString('latin1');
    let s = base;
    for (let m = 1 + Math.floor(next() * 3); m > 0; m--) {
      const at = Math.floor(next() * (s.length + 1));
      const op = next();
      if (op < 0.3) s = s.slice(0, at) + s.slice(at + 1);
      else if (op < 0.6) s = s.slice(0, at) + String.fromCharCode(Math.floor(next() * 256)) + s.slice(at + 1);
      else s = s.slice(0, at) + Buffer.from(NASTY[Math.floor(next() * NASTY.length)]).toString('latin1') + s.slice(at);
    }
    if (agrees(t, Buffer.from(s, 'latin1'), `mutation ${k}`) === 'read') read++;
  }
  t.true(read > 100, `the scanner read ${read} mutated bodies`);
});

test('pushes with lines of random bytes and escapes are read exactly as JSON.parse reads them', (t) => {
  const next = random(7);
  for (let k = 0; k < 500; k++) {
    const values = Array.from({ length: 1 + Math.floor(next() * 5) }, (_, i) => {
      let line = '';
      for (let n = Math.floor(next() * 40); n > 0; n--) {
        const r = next();
        line += r < 0.6 ? String.fromCharCode(0x20 + Math.floor(next() * 95)) : r < 0.8 ? String.fromCharCode(Math.floor(next() * 0x800)) : r < 0.9 ? String.fromCharCode(0xd800 + Math.floor(next() * 0x800)) : String.fromCodePoint(0x10000 + Math.floor(next() * 0xfffff));
      }
      return [String(BigInt(i) - 2n), line];
    });
    const b = body({ streams: [{ stream: { a: 'b' }, values }] });
    t.is(agrees(t, b, `random lines ${k}`), 'read');
  }
});
