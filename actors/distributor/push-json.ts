// Reads the JSON push body Loki's clients send straight from its bytes into column-wise streams:
// timestamps from their digits, lines unescaped into one buffer, no string or object per entry
// (JSON.parse of a push cost more than the rest of the distributor). It reads only the shape
//   {"streams":[{"stream":{"<name>":"<value>",…},"values":[["<ns>","<line>"],["<ns>","<line>",{"<name>":"<value>",…}],…]},…]}
// with whitespace wherever JSON allows it, `null` where Loki skips it, and a stream's two keys in
// either order. For any other body, valid or not, it answers undefined and push-body.ts decodes it
// with JSON.parse: what is accepted, and every error text, stay exactly JSON.parse's.
import { isUtf8 } from 'node:buffer';
import type { EntryColumns } from '../../model/batch.ts';
import { formatLabels, sortLabels, type Labels } from '../../model/labels.ts';
import { storeDecimal, wordsOf } from '../../model/ts-words.ts';
import type { PushStream } from './push-stream.ts';

/** Thrown inside the scanner at anything outside the shape; never leaves this file. */
const OTHER = new Error('not the common shape of a push');

export function scanPushJson(body: Buffer): PushStream[] | undefined {
  try {
    return new Scanner(body).push();
  } catch (err) {
    if (err === OTHER) return undefined;
    throw err;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** 1 for the bytes a line copies as they are: ASCII but controls, the quote and the backslash. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

const STREAMS_KEY = Buffer.from('"streams"');
const STREAM_KEY = Buffer.from('"stream"');
const VALUES_KEY = Buffer.from('"values"');
const NULL = Buffer.from('null');

class Scanner {
  private at = 0;
  private readonly end: number;
  /** Every stream's unescaped lines, back to back: it never outgrows the body. */
  private readonly out: Buffer;
  private w = 0;
  /** Timestamps and line offsets of every stream, back to back; each stream gets views. */
  private ts: BigInt64Array;
  /** `ts` as words, where timestamps are written. */
  private words: Int32Array;
  private nTs = 0;
  private offsets: Uint32Array;
  private nOffsets = 0;

  constructor(private readonly b: Buffer) {
    this.end = b.length;
    this.out = Buffer.allocUnsafe(b.length);
    // an entry of a real push is a few hundred bytes; the arrays double if that guess is short
    const guess = (b.length >> 6) + 16;
    this.ts = new BigInt64Array(guess);
    this.words = wordsOf(this.ts);
    this.offsets = new Uint32Array(guess);
  }

  push(): PushStream[] {
    const streams: PushStream[] = [];
    this.expect(LBRACE);
    if (!this.take(RBRACE)) {
      this.key(STREAMS_KEY);
      if (!this.literal(NULL)) this.streams(streams);
      this.expect(RBRACE);
    }
    this.space();
    if (this.at !== this.end) throw OTHER;
    return streams;
  }

  private streams(into: PushStream[]): void {
    this.expect(LBRACKET);
    if (this.take(RBRACKET)) return;
    do if (!this.literal(NULL)) into.push(this.stream());
    while (this.more(RBRACKET));
  }

  private stream(): PushStream {
    this.expect(LBRACE);
    let labels: string | undefined;
    let entries: EntryColumns | undefined;
    if (!this.take(RBRACE))
      do {
        this.space();
        if (this.matches(STREAM_KEY)) {
          if (labels !== undefined) throw OTHER; // JSON.parse would keep the last
          this.key(STREAM_KEY);
          labels = this.literal(NULL) ? '{}' : this.labels();
        } else {
          if (entries) throw OTHER;
          this.key(VALUES_KEY);
          entries = this.literal(NULL) ? noEntries() : this.values();
        }
      } while (this.more(RBRACE));
    return { labels: labels ?? '{}', entries: entries ?? noEntries() };
  }

  /** `{"name":"value",…}` as Loki renders a label set: names sorted, values Go-quoted. */
  private labels(): string {
    return formatLabels(this.pairs() ?? []);
  }

  /** An object of string values as sorted pairs; undefined when empty. */
  private pairs(): Labels | undefined {
    this.expect(LBRACE);
    if (this.take(RBRACE)) return undefined;
    const pairs: Array<[string, string]> = [];
    do {
      const name = this.string();
      this.expect(COLON);
      const value = this.string();
      for (const [n] of pairs) if (n === name) throw OTHER;
      pairs.push([name, value]);
    } while (this.more(RBRACE));
    return sortLabels(pairs);
  }

  /** The entries of one stream, appended to the shared columns and viewed from them. */
  private values(): EntryColumns {
    const ts0 = this.nTs;
    const off0 = this.nOffsets;
    const line0 = this.w;
    this.pushOffset(0);
    let metadata: Array<Labels | undefined> | undefined;
    this.expect(LBRACKET);
    if (!this.take(RBRACKET))
      do {
        if (this.literal(NULL)) continue; // Loki skips null entries
        this.expect(LBRACKET);
        this.timestamp();
        this.expect(COMMA);
        this.line();
        const m = this.take(COMMA) ? this.pairs() : undefined;
        this.expect(RBRACKET);
        if (m && !metadata) metadata = new Array<Labels | undefined>(this.nTs - 1 - ts0).fill(undefined);
        metadata?.push(m);
        this.pushOffset(this.w - line0);
      } while (this.more(RBRACKET));
    const cols: EntryColumns = {
      ts: this.ts.subarray(ts0, this.nTs),
      lines: this.out.subarray(line0, this.w),
      offsets: this.offsets.subarray(off0, this.nOffsets),
    };
    if (metadata) cols.metadata = metadata;
    return cols;
  }

  /** `"<ns>"`: an optional minus and 1 to 19 digits within int64, as push-body.ts's parseNs allows. */
  private timestamp(): void {
    const b = this.b;
    this.space();
    if (b[this.at] !== QUOTE) throw OTHER;
    let at = this.at + 1;
    const negative = b[at] === 0x2d;
    if (negative) at++;
    const first = at;
    while (at < this.end && b[at] >= 0x30 && b[at] <= 0x39) at++;
    const digits = at - first;
    if (digits === 0 || digits > 19 || b[at] !== QUOTE) throw OTHER;
    // two exact doubles, the last nine digits and the ones before them
    const split = Math.max(first, at - 9);
    let high = 0;
    for (let i = first; i < split; i++) high = high * 10 + b[i] - 0x30;
    let low = 0;
    for (let i = split; i < at; i++) low = low * 10 + b[i] - 0x30;
    if (this.nTs === this.ts.length) {
      const ts = new BigInt64Array(this.ts.length * 2);
      ts.set(this.ts);
      this.ts = ts;
      this.words = wordsOf(ts);
    }
    if (!storeDecimal(this.words, this.nTs, high, low, negative)) throw OTHER;
    this.nTs++;
    this.at = at + 1;
  }

  /**
   * A line, unescaped into `out` as Buffer.from(JSON.parse(…)) would write it: a lone surrogate
   * becomes U+FFFD. Raw control characters and bytes that are not UTF-8 are left to JSON.parse.
   */
  private line(): void {
    const b = this.b;
    const out = this.out;
    this.space();
    if (b[this.at] !== QUOTE) throw OTHER;
    let at = this.at + 1;
    let w = this.w;
    const start = w;
    let high = false;
    for (;;) {
      // the run of plain bytes, in one tight loop; past the end b[at] is undefined and stops it too
      let c = b[at];
      while (PLAIN[c] === 1) {
        out[w++] = c;
        c = b[++at];
      }
      at++;
      if (c === QUOTE) break;
      if (c >= 0x80) {
        high = true;
        out[w++] = c;
        continue;
      }
      if (c !== BACKSLASH) throw OTHER; // a raw control character, or the end of the body
      const e = b[at++];
      switch (e) {
        case QUOTE:
        case BACKSLASH:
        case 0x2f: // /
          out[w++] = e;
          continue;
        case 0x62: // b
          out[w++] = 0x08;
          continue;
        case 0x66: // f
          out[w++] = 0x0c;
          continue;
        case 0x6e: // n
          out[w++] = 0x0a;
          continue;
        case 0x72: // r
          out[w++] = 0x0d;
          continue;
        case 0x74: // t
          out[w++] = 0x09;
          continue;
        case 0x75: {
          // u: four hex digits, maybe the high half of a surrogate pair whose low half follows
          let cp = hex4(b, at);
          if (cp < 0) throw OTHER;
          at += 4;
          if (cp >= 0xd800 && cp <= 0xdbff && b[at] === BACKSLASH && b[at + 1] === 0x75) {
            const low = hex4(b, at + 2);
            if (low >= 0xdc00 && low <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
              at += 6;
            }
          }
          if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
          w = writeUtf8(out, w, cp);
          continue;
        }
        default:
          throw OTHER;
      }
    }
    if (high && !isUtf8(out.subarray(start, w))) throw OTHER;
    this.at = at;
    this.w = w;
  }

  /** A JSON string as a JS string; one with escapes is read by JSON.parse itself (names and values are few). */
  private string(): string {
    const b = this.b;
    this.space();
    if (b[this.at] !== QUOTE) throw OTHER;
    const start = this.at + 1;
    let at = start;
    let escaped = false;
    for (;;) {
      if (at >= this.end) throw OTHER;
      const c = b[at];
      if (c === QUOTE) break;
      if (c < 0x20) throw OTHER;
      if (c === BACKSLASH) {
        escaped = true;
        at++;
      }
      at++;
    }
    this.at = at + 1;
    if (!escaped) return b.toString('utf8', start, at);
    try {
      return JSON.parse(b.toString('utf8', start - 1, at + 1)) as string;
    } catch {
      throw OTHER;
    }
  }

  private pushOffset(v: number): void {
    if (this.nOffsets === this.offsets.length) {
      const offsets = new Uint32Array(this.offsets.length * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
    }
    this.offsets[this.nOffsets++] = v;
  }

  private space(): void {
    const b = this.b;
    let at = this.at;
    for (let c = b[at]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = b[++at]);
    this.at = at;
  }

  private matches(word: Buffer): boolean {
    return this.at + word.length <= this.end && this.b.compare(word, 0, word.length, this.at, this.at + word.length) === 0;
  }

  /** Consumes `word` (after whitespace) if it is next. */
  private literal(word: Buffer): boolean {
    this.space();
    if (this.b[this.at] !== word[0] || !this.matches(word)) return false;
    this.at += word.length;
    return true;
  }

  /** `"name":` */
  private key(name: Buffer): void {
    if (!this.literal(name)) throw OTHER;
    this.expect(COLON);
  }

  private expect(c: number): void {
    this.space();
    if (this.b[this.at] !== c) throw OTHER;
    this.at++;
  }

  /** Consumes `c` (after whitespace) if it is next. */
  private take(c: number): boolean {
    this.space();
    if (this.b[this.at] !== c) return false;
    this.at++;
    return true;
  }

  /** After a member: true at a comma, false at `close`. */
  private more(close: number): boolean {
    if (this.take(COMMA)) return true;
    this.expect(close);
    return false;
  }
}

/** A stream without entries: `"values": null`, or no values at all. */
const noEntries = (): EntryColumns => ({ ts: new BigInt64Array(0), lines: Buffer.alloc(0), offsets: new Uint32Array(1) });

/** Four hex digits at b[at], or -1. */
function hex4(b: Buffer, at: number): number {
  let v = 0;
  for (let i = at; i < at + 4; i++) {
    const c = b[i];
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

function writeUtf8(out: Buffer, w: number, cp: number): number {
  if (cp < 0x80) out[w++] = cp;
  else if (cp < 0x800) {
    out[w++] = 0xc0 | (cp >> 6);
    out[w++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[w++] = 0xe0 | (cp >> 12);
    out[w++] = 0x80 | ((cp >> 6) & 0x3f);
    out[w++] = 0x80 | (cp & 0x3f);
  } else {
    out[w++] = 0xf0 | (cp >> 18);
    out[w++] = 0x80 | ((cp >> 12) & 0x3f);
    out[w++] = 0x80 | ((cp >> 6) & 0x3f);
    out[w++] = 0x80 | (cp & 0x3f);
  }
  return w;
}
