// Decodes a Loki push request body (JSON or snappy protobuf, maybe gzip/deflate) into column-wise streams:
// the distributor's codec, as agents reach the distributor over NATS without any gateway.
import { constants } from 'node:buffer';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import snappy from 'snappy';
import { quote } from '../../model/labels.ts';
import { httpErrors } from '../http-error.ts';
import { scanPushJson } from './push-json.ts';
import { pushStreamOf, type PushEntry, type PushStream } from './push-stream.ts';

// ---- bodies: content encoding, then content type ----

const { MAX_LENGTH } = constants;
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);

/** `maxBytes` bounds the body after decompression too: a 1 MB gzip body can inflate to 1 GB. */
export async function decodePush(
  body: Buffer,
  contentType: string | undefined,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<PushStream[]> {
  const raw = await decodeContent(body, (contentEncoding ?? '').trim().toLowerCase(), maxBytes);
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  // Loki reads JSON for application/json and protobuf for anything else. With no
  // content type at all we look at the body, so a bare curl of JSON works too.
  const json = type === 'application/json' || (type === '' && firstNonSpace(raw) === 0x7b /* { */);
  return json ? (scanPushJson(raw) ?? decodeJson(raw)) : decodeProtobuf(raw, maxBytes);
}

export async function decodeContent(body: Buffer, encoding: string, maxBytes: number): Promise<Buffer> {
  // zlib inflates in chunks and stops with ERR_BUFFER_TOO_LARGE once their sum passes this,
  // so a bomb costs about maxBytes of memory, never its inflated size. No Buffer holds more than MAX_LENGTH.
  const opts = { maxOutputLength: Math.min(maxBytes, MAX_LENGTH) };
  try {
    switch (encoding) {
      case '':
      case 'identity':
      case 'snappy': // snappy is the protobuf body's own framing, undone below (clients sometimes say so)
        return body;
      case 'gzip':
        return await gunzip(body, opts);
      case 'deflate':
        // Loki reads raw DEFLATE; HTTP's "deflate" is zlib-wrapped. Accept both.
        return isZlibHeader(body) ? await inflate(body, opts) : await inflateRaw(body, opts);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw httpErrors.inflatedTooLarge(maxBytes);
    throw httpErrors.badRequest(`${encoding}: invalid compressed body: ${(err as Error).message}`, err);
  }
  throw httpErrors.unsupportedEncoding(encoding);
}

const isZlibHeader = (b: Buffer) => b.length >= 2 && (b[0] & 0x0f) === 8 && ((b[0] << 8) | b[1]) % 31 === 0;

function firstNonSpace(b: Buffer): number | undefined {
  for (const c of b) if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  return undefined;
}

// ---- JSON: {"streams":[{"stream":{"a":"b"},"values":[["<ns>","line",{"k":"v"}]]}]} ----
// The usual body never gets here: push-json.ts reads it from its bytes. This reads every other
// one, and is the one that words the errors.

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export function decodeJson(raw: Buffer): PushStream[] {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw httpErrors.badRequest((err as Error).message, err); // as Loki: the parser's own words
  }
  if (!isObject(doc)) throw httpErrors.badRequest(`push request must be a JSON object, got ${kind(doc)}`);
  const streams = doc.streams;
  if (streams === undefined || streams === null) return [];
  if (!Array.isArray(streams)) throw httpErrors.badRequest(`"streams" must be an array, got ${kind(streams)}`);
  const out: PushStream[] = [];
  for (let i = 0; i < streams.length; i++) {
    const s = streams[i];
    if (s === null) continue;
    if (!isObject(s)) throw httpErrors.badRequest(`streams[${i}] must be an object, got ${kind(s)}`);
    const labels = labelsText(s.stream, i);
    out.push(pushStreamOf(labels, jsonEntries(s.values, labels)));
  }
  return out;
}

/** Loki's LabelSet.String(): names sorted, `name="value"` joined by ", ". */
function labelsText(stream: unknown, i: number): string {
  if (stream === undefined || stream === null) return '{}';
  if (!isObject(stream)) throw httpErrors.badRequest(`streams[${i}].stream must be an object, got ${kind(stream)}`);
  const names = Object.keys(stream).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const n of names) {
    const v = stream[n];
    if (typeof v !== 'string')
      throw httpErrors.badRequest(`streams[${i}].stream: label ${JSON.stringify(n)} must have a string value, got ${kind(v)}`);
    parts.push(`${n}=${quote(v)}`);
  }
  return '{' + parts.join(', ') + '}';
}

function jsonEntries(values: unknown, labels: string): PushEntry[] {
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw httpErrors.badRequest(`values of stream ${labels} must be an array, got ${kind(values)}`);
  const out: PushEntry[] = [];
  for (const v of values) {
    if (v === null) continue; // Loki skips null entries
    if (!Array.isArray(v) || v.length < 2)
      throw httpErrors.badRequest(
        `entry of stream ${labels} must be an array of [timestamp, line] or [timestamp, line, metadata], got ${clip(JSON.stringify(v))}`,
      );
    const [t, line, meta] = v as unknown[];
    if (typeof t !== 'string')
      throw httpErrors.badRequest(`timestamp of an entry of stream ${labels} must be a string of nanoseconds, got ${kind(t)}`);
    const ts = parseNs(t, labels);
    if (typeof line !== 'string')
      throw httpErrors.badRequest(`line of an entry of stream ${labels} must be a string, got ${kind(line)}`);
    const entry: PushEntry = { ts, line };
    if (meta !== undefined) {
      const md = jsonMetadata(meta, labels);
      if (md.length > 0) entry.metadata = md;
    }
    out.push(entry);
  }
  return out;
}

const badTimestamp = (t: string, labels: string) =>
  httpErrors.badRequest(`invalid timestamp ${JSON.stringify(t)} of an entry of stream ${labels}: want integer nanoseconds since the Unix epoch`);

function parseNs(t: string, labels: string): bigint {
  if (!/^-?[0-9]{1,19}$/.test(t)) throw badTimestamp(t, labels);
  const ts = BigInt(t);
  if (ts < INT64_MIN || ts > INT64_MAX) throw badTimestamp(t, labels);
  return ts;
}

/** Structured metadata: an object of string values (numbers as their text), sorted by name as Loki 3 does. */
function jsonMetadata(meta: unknown, labels: string): Array<[string, string]> {
  if (!isObject(meta))
    throw httpErrors.badRequest(`structured metadata of an entry of stream ${labels} must be an object, got ${kind(meta)}`);
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v === 'string') out.push([k, v]);
    else if (typeof v === 'number') out.push([k, String(v)]);
    else
      throw httpErrors.badRequest(
        `structured metadata ${JSON.stringify(k)} of an entry of stream ${labels} must be a string, got ${kind(v)}`,
      );
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const clip = (s: string) => (s.length > 100 ? s.slice(0, 100) + '…' : s);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' || typeof v === 'undefined' ? `an ${typeof v}` : `a ${typeof v}`;

// ---- protobuf: snappy block, then logproto.PushRequest ----
// Field numbers are those of Loki's pkg/push/push.proto and google/protobuf/timestamp.proto (wire facts).

const { Root, Type, Field } = protobuf;
const root = new Root().define('muninn.push');
root.add(new Type('Timestamp').add(new Field('seconds', 1, 'int64')).add(new Field('nanos', 2, 'int32')));
root.add(new Type('LabelPair').add(new Field('name', 1, 'string')).add(new Field('value', 2, 'string')));
root.add(
  new Type('Entry')
    .add(new Field('timestamp', 1, 'Timestamp'))
    .add(new Field('line', 2, 'string'))
    .add(new Field('structuredMetadata', 3, 'LabelPair', 'repeated')),
);
root.add(new Type('Stream').add(new Field('labels', 1, 'string')).add(new Field('entries', 2, 'Entry', 'repeated')));
root.add(new Type('PushRequest').add(new Field('streams', 1, 'Stream', 'repeated')));
const PushRequest = root.lookupType('PushRequest');

interface LongLike {
  toNumber(): number;
}
interface PbEntry {
  timestamp?: { seconds?: number | LongLike; nanos?: number };
  line?: string;
  structuredMetadata?: Array<{ name?: string; value?: string }>;
}
interface PbStream {
  labels?: string;
  entries?: PbEntry[];
}

const NS = 1_000_000_000n;

export async function decodeProtobuf(raw: Buffer, maxBytes: number): Promise<PushStream[]> {
  // The decoder allocates what the header claims before reading on, so the claim is judged first;
  // a header that lies about the length the data really has is refused by the decoder as corrupt.
  const claimed = snappyLength(raw);
  if (claimed === undefined) throw httpErrors.badRequest('snappy: corrupt input (invalid length header)');
  if (claimed > maxBytes) throw httpErrors.inflatedTooLarge(maxBytes);
  let plain: Buffer;
  try {
    plain = (await snappy.uncompress(raw, { asBuffer: true })) as Buffer;
  } catch (err) {
    const m = (err as Error).message;
    throw httpErrors.badRequest(m.startsWith('snappy') ? m : `snappy: corrupt input: ${m}`, err);
  }
  let msg: { streams?: PbStream[] };
  try {
    msg = PushRequest.decode(plain) as unknown as { streams?: PbStream[] };
  } catch (err) {
    throw httpErrors.badRequest(`malformed protobuf push request: ${(err as Error).message}`, err);
  }
  return (msg.streams ?? []).map((s) =>
    pushStreamOf(
      s.labels ?? '',
      (s.entries ?? []).map((e) => {
        const sec = e.timestamp?.seconds ?? 0;
        const entry: PushEntry = {
          ts: BigInt(typeof sec === 'number' ? sec : sec.toNumber()) * NS + BigInt(e.timestamp?.nanos ?? 0),
          line: e.line ?? '',
        };
        const md = e.structuredMetadata;
        if (md && md.length > 0) entry.metadata = md.map((p) => [p.name ?? '', p.value ?? '']);
        return entry;
      }),
    ),
  );
}

/** A snappy block opens with its uncompressed length: a little-endian base-128 varint of at most 32 bits (Go's snappy.DecodedLen). */
function snappyLength(b: Buffer): number | undefined {
  let n = 0;
  for (let i = 0; i < 5 && i < b.length; i++) {
    n += (b[i] & 0x7f) * 2 ** (7 * i);
    if (b[i] < 0x80) return n <= 0xffff_ffff ? n : undefined;
  }
  return undefined;
}

/** The body a Loki client sends (promtail, Alloy): protobuf PushRequest, snappy block-compressed. */
export function encodePushProtobuf(streams: ReadonlyArray<{ labels: string; entries: readonly PushEntry[] }>): Buffer {
  const msg = {
    streams: streams.map((s) => ({
      labels: s.labels,
      entries: s.entries.map((e) => {
        let sec = e.ts / NS;
        let nanos = e.ts % NS;
        if (nanos < 0n) {
          sec -= 1n; // Timestamp nanos are never negative
          nanos += NS;
        }
        return {
          timestamp: { seconds: Number(sec), nanos: Number(nanos) },
          line: e.line,
          structuredMetadata: (e.metadata ?? []).map(([name, value]) => ({ name, value })),
        };
      }),
    })),
  };
  return snappy.compressSync(Buffer.from(PushRequest.encode(PushRequest.fromObject(msg)).finish()));
}
