// The parser stages json, regexp, pattern and unpack (logfmt has its own file) turn a line into
// labels. An extracted name that a stream label already has gets `_extracted`; a parser runs even
// when an earlier one marked the entry in error, as in Loki, and its own error replaces that one.
import RE2 from 're2';
import type { JsonStage, PatternStage, RegexpStage } from '../ast.ts';
import { QueryError } from '../eval/errors.ts';
import { ERROR, ERROR_DETAILS } from './label-filter.ts';
import { ALL_LABELS, type ParserHints } from './hints.ts';
import type { LabelSet } from './label-set.ts';

export interface EntryState {
  line: Buffer;
  labels: LabelSet;
  /** Names the stream had before any parser ran: collisions are renamed. */
  stream: ReadonlySet<string>;
}

export type Step = (e: EntryState) => void;

const VALID_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Go's unicode.IsSpace, which Loki trims keys with: not quite JavaScript's trim() set.
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * A key as a label name, as Loki makes it: trimmed, every other character (a code point, not a
 * byte) to `_`, `_` before a leading digit. Empty when nothing is left: parsers skip such keys.
 */
export const sanitize = (key: string): string => {
  if (VALID_NAME.test(key)) return key;
  const s = sanitizePart(key);
  return s !== '' && isDigit(s.charCodeAt(0)) ? `_${s}` : s;
};

/** A nested JSON key's part of a name: no `_` before a digit, it never leads the name. */
const sanitizePart = (key: string): string => key.replace(GO_SPACE, '').replace(/[^a-zA-Z0-9_]/gu, '_');

export function put(e: EntryState, name: string, value: string): void {
  e.labels.set(e.stream.has(name) ? `${name}_extracted` : name, value);
}

const DECISIONS = 1024;

/**
 * The label an extracted name goes to, decided the first time the stage sees the name, whatever the
 * stream: Loki's json, logfmt, unpack and regexp parsers cache that decision (for 1024 keys) across
 * all streams of a query. So the first stream to show a key decides whether it collides: a later
 * stream that has the label as a stream label gets it overwritten, not an `_extracted` beside it.
 */
export class Names {
  private decided = new Map<string, string | null>();

  /** `hints` are asked about the name after renaming, as Loki's json parser asks them. */
  constructor(private hints: ParserHints = ALL_LABELS) {}

  put(e: EntryState, name: string, value: string): void {
    let n = this.decided.get(name);
    if (n === undefined) {
      n = e.stream.has(name) ? `${name}_extracted` : name;
      if (!this.hints.extract(n)) n = null;
      if (this.decided.size < DECISIONS) this.decided.set(name, n);
    }
    if (n !== null) e.labels.set(n, value);
  }
}

export function fail(e: EntryState, err: string, details: string): void {
  e.labels.set(ERROR, err);
  e.labels.set(ERROR_DETAILS, details);
}

const SLOTS = 256;

/**
 * What a key's bytes give (its label name...), in a fixed number of slots so a hostile line can
 * only make it miss: keys repeat from line to line, and a hit makes no string.
 */
export class KeyCache<T> {
  private slots: Array<{ bytes: Buffer; made: T } | undefined> = new Array(SLOTS);

  constructor(private make: (line: Buffer, start: number, end: number) => T) {}

  get(line: Buffer, start: number, end: number): T {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ line[i], 0x01000193);
    const slot = (h >>> 0) % SLOTS;
    const k = this.slots[slot];
    if (k && k.bytes.length === end - start && sameBytes(k.bytes, line, start)) return k.made;
    const made = this.make(line, start, end);
    this.slots[slot] = { bytes: Buffer.from(line.subarray(start, end)), made };
    return made;
  }
}

function sameBytes(a: Buffer, line: Buffer, at: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== line[at + i]) return false;
  return true;
}

// ---- json: Loki reads the line with buger/jsonparser, a lenient scanner that extracts as it goes:
// what precedes an error stays extracted, and the error texts are that library's.

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const REPLACEMENT = '\ufffd';
const isJsonSpace = (c: number) => c === SPACE || c === LF || c === CR || c === TAB;

const MALFORMED_JSON = 'Malformed JSON error';
const MALFORMED_STRING = "Value is string, but can't find closing '\"' symbol";
const MALFORMED_ARRAY = "Value is array, but can't find closing ']' symbol";
const MALFORMED_OBJECT = "Value looks like object, but can't find closing '}' symbol";
// Loki's scanner has no bound; Muninn's refuses what no log needs, so one line cannot stall a query
const MAX_SCAN_DEPTH = 100;
const TOO_DEEP = `objects nested deeper than ${MAX_SCAN_DEPTH} levels`;
const UNKNOWN_VALUE = 'Unknown value type';
const BAD_ESCAPE = 'Encountered an invalid escape sequence in a string';

const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

function hex4(b: Buffer, at: number, end: number): number {
  if (at + 6 > end || b[at] !== BACKSLASH || b[at + 1] !== 0x75) return -1;
  let r = 0;
  for (let i = at + 2; i < at + 6; i++) {
    const c = b[i];
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return -1;
    r = (r << 4) | d;
  }
  return r;
}

/** A JSON string's bytes with escapes, jsonparser's way; undefined for an invalid escape. */
function unescapeJson(b: Buffer, start: number, end: number): string | undefined {
  let out = '';
  let at = start;
  for (let i = b.indexOf(BACKSLASH, start); i >= 0 && i < end; i = b.indexOf(BACKSLASH, at)) {
    out += b.toString('utf8', at, i);
    const c = b[i + 1];
    if (i + 1 >= end) return undefined;
    if (c === 0x75) {
      const r = hex4(b, i, end);
      if (r < 0) return undefined;
      at = i + 6;
      if (r >= 0xd800 && r <= 0xdfff) {
        // a surrogate must be followed by another escape, at least a low one
        const lo = hex4(b, at, end);
        if (lo < 0xdc00) return undefined;
        const cp = 0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00);
        out += cp > 0x10ffff ? REPLACEMENT : String.fromCodePoint(cp);
        at += 6;
      } else out += String.fromCharCode(r);
      continue;
    }
    const e = ESCAPES[c];
    if (e === undefined) return undefined;
    out += e;
    at = i + 2;
  }
  return out + b.toString('utf8', at, end);
}

interface JsonKey {
  /** undefined: an invalid escape, which fails the line. */
  text: string | undefined;
  /** The label name at top level. */
  top: string;
  /** Its part of a nested name. */
  part: string;
}

const makeJsonKey = (b: Buffer, start: number, end: number): JsonKey => {
  const bs = b.indexOf(BACKSLASH, start);
  const text = bs >= 0 && bs < end ? unescapeJson(b, start, end) : b.toString('utf8', start, end);
  return { text, top: text === undefined ? '' : sanitize(text), part: text === undefined ? '' : sanitizePart(text) };
};

const nameOf = (key: JsonKey, prefix: string) => (prefix === '' ? key.top : `${prefix}_${key.part}`);

/** jsonparser's walk over one line: object fields, nested objects flattened with `_`. */
class JsonScanner {
  private b: Buffer = Buffer.alloc(0);
  /** The first backslash at or after bsFrom (Infinity: none), so a line is searched about once. */
  private bsFrom = 0;
  private bsAt = -1;
  /** Whether the last string scanned had a backslash. */
  private escaped = false;
  private keys = new KeyCache(makeJsonKey);
  private names: Names;

  constructor(hints: ParserHints) {
    this.names = new Names(hints);
  }
  private e!: EntryState;

  run(e: EntryState): string | undefined {
    this.e = e;
    this.b = e.line;
    this.bsFrom = 0;
    this.bsAt = -1;
    return this.object(0, this.b.length, '');
  }

  private next(i: number, end: number): number {
    const b = this.b;
    for (; i < end; i++) if (!isJsonSpace(b[i])) return i;
    return -1;
  }

  /** From just past an opening quote: past its closing quote, or -1. */
  private stringEnd(i: number, end: number): number {
    const b = this.b;
    const start = i;
    for (;;) {
      const q = b.indexOf(QUOTE, i);
      if (q < 0 || q >= end) return -1;
      let j = q - 1;
      while (j >= start && b[j] === BACKSLASH) j--;
      if ((q - 1 - j) % 2 === 0) {
        if (start < this.bsFrom || this.bsAt < start) {
          const at = b.indexOf(BACKSLASH, start);
          this.bsFrom = start;
          this.bsAt = at < 0 ? Infinity : at;
        }
        this.escaped = this.bsAt < q;
        return q + 1;
      }
      i = q + 1;
    }
  }

  /** From an opening bracket: past its match, strings skipped, or -1. */
  private blockEnd(i: number, end: number, open: number, close: number): number {
    const b = this.b;
    let level = 0;
    for (; i < end; i++) {
      const c = b[i];
      if (c === QUOTE) {
        const se = this.stringEnd(i + 1, end);
        if (se < 0) return -1;
        i = se - 1;
      } else if (c === open) level++;
      else if (c === close && --level === 0) return i + 1;
    }
    return -1;
  }

  private tokenEnd(i: number, end: number): number {
    const b = this.b;
    for (; i < end; i++) {
      const c = b[i];
      if (c === SPACE || c === LF || c === CR || c === TAB || c === 0x2c || c === 0x7d || c === 0x5d) return i;
    }
    return end;
  }

  private same(i: number, end: number, word: string): boolean {
    if (end - i !== word.length) return false;
    for (let k = 0; k < word.length; k++) if (this.b[i + k] !== word.charCodeAt(k)) return false;
    return true;
  }

  /** The object starting at or after i, within end; an error text or undefined. */
  private object(i: number, end: number, prefix: string, depth = 0): string | undefined {
    const b = this.b;
    // each level rescans what it holds: a bound keeps a hostile line's cost linear
    if (depth > MAX_SCAN_DEPTH) return TOO_DEEP;
    i = this.next(i, end);
    if (i < 0 || b[i] !== 0x7b) return MALFORMED_OBJECT;
    i = this.next(i + 1, end);
    if (i < 0) return MALFORMED_JSON;
    while (i < end) {
      if (b[i] === 0x7d) return undefined;
      if (b[i] !== QUOTE) return MALFORMED_OBJECT;
      const ks = i + 1;
      const ke = this.stringEnd(ks, end);
      if (ke < 0) return MALFORMED_JSON;
      const key = this.keys.get(b, ks, ke - 1);
      if (key.text === undefined) return BAD_ESCAPE;
      i = this.next(ke, end);
      if (i < 0 || b[i] !== 0x3a) return MALFORMED_JSON;
      const v = this.next(i + 1, end);
      if (v < 0) return MALFORMED_JSON;
      const err = this.value(key, v, end, prefix, depth);
      if (typeof err === 'string') return err;
      i = this.next(err, end);
      if (i < 0) return MALFORMED_ARRAY;
      if (b[i] === 0x7d) return undefined;
      if (b[i] !== 0x2c) return MALFORMED_OBJECT;
      i = this.next(i + 1, end);
      if (i < 0) return MALFORMED_ARRAY;
    }
    return MALFORMED_OBJECT;
  }

  /** One field's value at v: where it ends, or an error text. Strings, numbers and booleans become labels. */
  private value(key: JsonKey, v: number, end: number, prefix: string, depth: number): number | string {
    const b = this.b;
    const c = b[v];
    if (c === QUOTE) {
      const se = this.stringEnd(v + 1, end);
      if (se < 0) return MALFORMED_STRING;
      let s: string | undefined;
      if (this.escaped) s = unescapeJson(b, v + 1, se - 1) ?? '';
      else s = b.toString('utf8', v + 1, se - 1);
      // Prometheus refuses U+FFFD, which is also what invalid UTF-8 decodes to: Loki empties the value
      if (s.length !== se - 1 - (v + 1) && s.includes(REPLACEMENT)) s = '';
      this.label(key, prefix, s);
      return se;
    }
    if (c === 0x5b) {
      const be = this.blockEnd(v, end, 0x5b, 0x5d);
      return be < 0 ? MALFORMED_ARRAY : be;
    }
    if (c === 0x7b) {
      const be = this.blockEnd(v, end, 0x7b, 0x7d);
      if (be < 0) return MALFORMED_OBJECT;
      const err = this.object(v, be, nameOf(key, prefix), depth + 1);
      return err ?? be;
    }
    const te = this.tokenEnd(v, end);
    if (c === 0x74 || c === 0x66) {
      if (!this.same(v, te, 'true') && !this.same(v, te, 'false')) return UNKNOWN_VALUE;
      this.label(key, prefix, c === 0x74 ? 'true' : 'false');
    } else if (c === 0x6e || c === 0x75) {
      // null is no label
      if (!this.same(v, te, 'null')) return UNKNOWN_VALUE;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.label(key, prefix, b.toString('utf8', v, te));
    } else return UNKNOWN_VALUE;
    return te;
  }

  private label(key: JsonKey, prefix: string, value: string): void {
    const name = nameOf(key, prefix);
    if (name !== '') this.names.put(this.e, name, value);
  }
}

// ---- `json a="b"` and unpack: Loki reads these with json-iterator, which is strict, and words its
// errors with the bytes around the position it stopped at.

/** json-iterator's reading position over one line, and the first error it reports. */
// json-iterator allows 10000 levels; a recursion that deep can overflow Node's stack, so Muninn
// stops at 1000 (no log nests so deep) with json-iterator's own error
const MAX_ITER_DEPTH = 1000;

class Iter {
  head = 0;
  err: string | undefined;
  /** Arrays and objects open around the position. */
  private depth = 0;
  /** A number ran into the end of the line: not reported, yet Valid counts it as a failure. */
  eof = false;
  constructor(private b: Buffer) {}

  /** The next byte that is not white space, consumed; 0 at the end. */
  nextToken(): number {
    const b = this.b;
    for (let i = this.head; i < b.length; i++) {
      if (!isJsonSpace(b[i])) {
        this.head = i + 1;
        return b[i];
      }
    }
    this.head = b.length;
    return 0;
  }

  /** 0 at the end, where json-iterator reports nothing yet: its callers do. */
  private readByte(): number {
    if (this.head < this.b.length) return this.b[this.head++];
    return 0;
  }

  /** Gives back a byte nextToken took; nothing was taken at the end. */
  unread(c: number): void {
    if (c !== 0) this.head--;
  }

  /** The next byte that is not white space, not consumed. */
  peek(): number {
    const c = this.nextToken();
    this.unread(c);
    return c;
  }

  report(op: string, msg: string): void {
    if (this.err !== undefined) return;
    const b = this.b;
    const h = this.head;
    const ps = Math.max(0, h - 10);
    const peek = b.toString('utf8', ps, Math.min(b.length, h + 10));
    const context = b.toString('utf8', Math.max(0, h - 50), Math.min(b.length, h + 50));
    this.err = `${op}: ${msg}, error found in #${h - ps} byte of ...|${peek}|..., bigger context ...|${context}|...`;
  }

  /** A string value (or null, as ""). */
  readString(): string {
    const b = this.b;
    const c = this.nextToken();
    if (c === 0x6e) {
      this.literal('ull');
      return '';
    }
    if (c !== QUOTE) {
      this.report('ReadString', `expects " or n, but found ${String.fromCharCode(c)}`);
      return '';
    }
    const start = this.head;
    let i = start;
    for (; i < b.length; i++) {
      const x = b[i];
      if (x === QUOTE) {
        this.head = i + 1;
        return b.toString('utf8', start, i);
      }
      if (x === BACKSLASH) break;
      if (x < 0x20) {
        this.report('ReadString', `invalid control character found: ${x}`);
        return '';
      }
    }
    // escapes: a byte at a time, as json-iterator's slow path
    let out = '';
    let run = start;
    for (;;) {
      if (this.head >= b.length) {
        this.report('readStringSlowPath', 'unexpected end of input');
        return '';
      }
      const x = b[this.head++];
      if (x === QUOTE) return out + b.toString('utf8', run, this.head - 1);
      if (x !== BACKSLASH) continue;
      out += b.toString('utf8', run, this.head - 1);
      const esc = this.readByte();
      if (esc === 0x75) {
        const r = this.readU4();
        if (r < 0) return '';
        const lo = r >= 0xd800 && r < 0xe000 ? hex4(b, this.head, b.length) : -1;
        if (lo >= 0xdc00 && lo < 0xe000 && r < 0xdc00) {
          out += String.fromCharCode(r, lo);
          this.head += 6;
        } else out += r >= 0xd800 && r < 0xe000 ? REPLACEMENT : String.fromCharCode(r);
      } else {
        const e = ESCAPES[esc];
        if (e === undefined) {
          this.report('readEscapedChar', 'invalid escape char after \\');
          return '';
        }
        out += e;
      }
      run = this.head;
    }
  }

  /** Four hex digits; -1 after reporting the first byte that is not one. */
  private readU4(): number {
    let r = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.readByte();
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
      if (d < 0) {
        this.report('readU4', `expects 0~9 or a~f, but found ${String.fromCharCode(c)}`);
        return -1;
      }
      r = (r << 4) | d;
    }
    return r;
  }

  private literal(rest: string): void {
    for (let k = 0; k < rest.length; k++) {
      if (this.readByte() !== rest.charCodeAt(k)) {
        this.report(rest.length === 3 ? 'skipThreeBytes' : 'skipFourBytes', `expect ${rest}`);
        return;
      }
    }
  }

  private deeper(): boolean {
    if (++this.depth <= MAX_ITER_DEPTH) return true;
    this.report('incrementDepth', 'exceeded max depth');
    return false;
  }

  /** Past the next value, checking it. */
  skip(): void {
    const c = this.nextToken();
    const b = this.b;
    switch (c) {
      case QUOTE:
        this.head--;
        this.readString();
        return;
      case 0x6e:
        return this.literal('ull');
      case 0x74:
        return this.literal('rue');
      case 0x66:
        return this.literal('alse');
      case 0x5b: {
        if (!this.deeper()) return;
        let x = this.nextToken();
        if (x === 0x5d) return void this.depth--;
        this.unread(x);
        for (;;) {
          this.skip();
          if (this.err !== undefined) return;
          x = this.nextToken();
          if (x !== 0x2c) break;
        }
        if (x !== 0x5d) this.report('ReadArrayCB', `expect ] in the end, but found ${String.fromCharCode(x)}`);
        this.depth--;
        return;
      }
      case 0x7b: {
        if (!this.deeper()) return;
        let x = this.nextToken();
        if (x === 0x7d) return void this.depth--;
        if (x !== QUOTE) return this.report('ReadObjectCB', `expect " after {, but found ${String.fromCharCode(x)}`);
        this.unread(x);
        for (;;) {
          this.readString();
          if (this.err !== undefined) return;
          x = this.nextToken();
          if (x !== 0x3a) return this.report('ReadObject', `expect : after object field, but found ${String.fromCharCode(x)}`);
          this.skip();
          if (this.err !== undefined) return;
          x = this.nextToken();
          if (x !== 0x2c) break;
        }
        if (x !== 0x7d) this.report('ReadObjectCB', 'object not ended with }');
        this.depth--;
        return;
      }
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // json-iterator's quick check of the dots first, then JSON's number grammar; what follows
      // the number is the caller's to judge
      let dot = false;
      for (let k = this.head; k < b.length && ((b[k] >= 0x30 && b[k] <= 0x39) || b[k] === 0x2e); k++) {
        if (b[k] !== 0x2e) continue;
        if (dot) return this.report('validateNumber', 'more than one dot found in number');
        if (k + 1 < b.length && !(b[k + 1] >= 0x30 && b[k + 1] <= 0x39)) return this.report('validateNumber', 'missing digit after dot');
        dot = true;
      }
      let i = this.head - 1;
      if (b[i] === 0x2d) i++;
      const digits = () => {
        const s = i;
        while (i < b.length && b[i] >= 0x30 && b[i] <= 0x39) i++;
        return i > s;
      };
      let ok = b[i] === 0x30 ? (i++, true) : digits();
      if (ok && b[i] === 0x2e) (i++, (ok = digits()));
      if (ok && (b[i] === 0x65 || b[i] === 0x45)) {
        i++;
        if (b[i] === 0x2b || b[i] === 0x2d) i++;
        ok = digits();
      }
      this.head = i;
      if (!ok) this.report('readNumberAsString', 'invalid number');
      else if (i >= b.length) this.eof = true;
      return;
    }
    this.report('Skip', `do not know how to skip: ${c}`);
  }

  /** The raw bytes of the next value, checked; undefined after an error. */
  rawValue(): string | undefined {
    if (this.peek() === 0) return undefined;
    const start = this.head;
    this.skip();
    return this.err === undefined ? this.b.toString('utf8', start, this.head) : undefined;
  }
}

/** json-iterator's Valid: the first value in the line is good JSON; what follows is not looked at. */
function validJson(line: Buffer): boolean {
  const it = new Iter(line);
  it.skip();
  return it.err === undefined && !it.eof;
}

/** json-iterator's Get(path).ToString(): strings decoded, other values as written, "" for null or nothing. */
function lookup(line: Buffer, path: Array<string | number>): string {
  const it = new Iter(line);
  for (const seg of path) {
    const c = it.nextToken();
    let found = false;
    if (typeof seg === 'string' && c === 0x7b) {
      if (it.peek() !== 0x7d) {
        do {
          const k = it.readString();
          it.nextToken();
          if (k === seg) {
            found = true;
            break;
          }
          it.skip();
        } while (it.err === undefined && it.nextToken() === 0x2c);
      }
    } else if (typeof seg === 'number' && c === 0x5b) {
      if (it.peek() !== 0x5d) {
        let n = 0;
        do {
          if (n++ === seg) {
            found = true;
            break;
          }
          it.skip();
        } while (it.err === undefined && it.nextToken() === 0x2c);
      }
    }
    if (!found || it.err !== undefined) return '';
  }
  const c = it.peek();
  if (c === QUOTE) return it.readString();
  if (c === 0x6e) return '';
  return it.rawValue() ?? '';
}

/** `json`, or `json a="b.c"`: with parameters each becomes a label, "" when the line lacks it. */
export function jsonStep(s: JsonStage, hints: ParserHints = ALL_LABELS): Step {
  if (hints.none) return () => {};
  if (!s.params.length) {
    const scanner = new JsonScanner(hints);
    return (e) => {
      const err = scanner.run(e);
      if (err !== undefined) fail(e, 'JSONParserErr', err);
    };
  }
  const params = s.params.map((p) => ({ label: p.label, path: jsonPath(p.expr) }));
  const names = new Names();
  return (e) => {
    // Loki only checks the line here, and gives no details
    if (!validJson(e.line)) return void e.labels.set(ERROR, 'JSONParserErr');
    for (const p of params) names.put(e, p.label, lookup(e.line, p.path));
  };
}

/** `a.b[0]`, `["a.b"].c` → path segments. */
function jsonPath(expr: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /\s*(?:\.?([a-zA-Z_][a-zA-Z0-9_-]*)|\[(\d+)\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\])/y;
  let at = 0;
  while (at < expr.length) {
    re.lastIndex = at;
    const m = re.exec(expr);
    if (!m) throw new QueryError(`invalid json expression ${JSON.stringify(expr)}`);
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`)));
    at = re.lastIndex;
  }
  return out;
}

export function regexpStep(s: RegexpStage): Step {
  const re = new RE2(s.pattern);
  if (!/\(\?P?<[a-zA-Z_]/.test(s.pattern)) throw new QueryError('at least one named capture must be supplied');
  const names = new Names();
  return (e) => {
    const m = re.exec(e.line.toString('utf8'));
    if (!m?.groups) return;
    for (const [k, v] of Object.entries(m.groups)) if (v !== undefined) names.put(e, k, v);
  };
}

/** `<ip> - <_> "<method> <path>"`: captures between literals, `<_>` skipped. */
export function patternStep(s: PatternStage, hints: ParserHints = ALL_LABELS): Step {
  const parts: Array<{ literal: string } | { name: string }> = [];
  const re = /<([a-zA-Z_][a-zA-Z0-9_]*)>/g;
  let at = 0;
  for (let m = re.exec(s.pattern); m; m = re.exec(s.pattern)) {
    if (m.index > at) parts.push({ literal: s.pattern.slice(at, m.index) });
    if (parts.length && 'name' in parts[parts.length - 1]) throw new QueryError('pattern: consecutive captures are not allowed');
    parts.push({ name: m[1] });
    at = re.lastIndex;
  }
  if (at < s.pattern.length) parts.push({ literal: s.pattern.slice(at) });
  if (!parts.some((p) => 'name' in p && p.name !== '_')) throw new QueryError('pattern: at least one named capture must be supplied');
  if (hints.none) return () => {};
  // Loki's matcher: a leading literal must start the line; a capture whose closing literal is
  // missing takes the rest of the line, and what was captured so far is kept
  return (e) => {
    const line = e.line.toString('utf8');
    let pos = 0;
    let i = 0;
    const first = parts[0];
    if ('literal' in first) {
      if (!line.startsWith(first.literal)) return;
      pos = first.literal.length;
      i = 1;
    }
    if (line.length === 0 || i >= parts.length) return;
    const found: Array<[string, string]> = [];
    const keep = (name: string, value: string) => {
      if (name !== '_' && hints.extract(name)) found.push([name, value]);
    };
    for (; i < parts.length; i += 2) {
      const cap = parts[i] as { name: string };
      const next = parts[i + 1] as { literal: string } | undefined;
      if (!next) {
        keep(cap.name, line.slice(pos));
        break;
      }
      const end = line.indexOf(next.literal, pos);
      if (end < 0) {
        keep(cap.name, line.slice(pos));
        break;
      }
      keep(cap.name, line.slice(pos, end));
      pos = end + next.literal.length;
    }
    for (const [k, v] of found) put(e, k, v);
  };
}

/**
 * The inverse of promtail's pack: a line `{"_entry": "...", "k": "v"}` becomes the line `...` with
 * the string fields as labels. Loki sets those labels only when `_entry` is there.
 */
export function unpackStep(hints: ParserHints = ALL_LABELS): Step {
  return hints.none ? () => {} : (e) => unpack(e, hints);
}

function unpack(e: EntryState, hints: ParserHints): void {
  const it = new Iter(e.line);
  if (it.nextToken() !== 0x7b) return fail(e, 'JSONParserErr', 'expecting json object(6), but it is not');
  const fields: string[] = [];
  let entry: string | undefined;
  let c = it.nextToken();
  if (c === QUOTE) {
    it.unread(c);
    for (;;) {
      const field = it.readString();
      if (it.err !== undefined) break;
      // json-iterator names the byte before the field, not the one it found
      if (it.nextToken() !== 0x3a) {
        it.report('ReadMapCB', `expect : after object field, but found ${String.fromCharCode(c)}`);
        break;
      }
      if (it.peek() !== QUOTE) it.skip();
      else if (field === '_entry') entry = it.readString();
      else fields.push(field, it.readString());
      if (it.err !== undefined) break;
      c = it.nextToken();
      if (c === 0x2c) continue;
      if (c !== 0x7d) it.report('ReadMapCB', 'object not ended with }');
      break;
    }
  } else if (c !== 0x7d) it.report('ReadMapCB', `expect " after {, but found ${String.fromCharCode(c)}`);
  if (it.err !== undefined) return fail(e, 'JSONParserErr', it.err);
  if (entry === undefined) return;
  for (let i = 0; i < fields.length; i += 2) if (hints.extract(fields[i])) put(e, fields[i], fields[i + 1]);
  e.line = Buffer.from(entry, 'utf8');
}
