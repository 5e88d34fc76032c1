// `| json` without parameters: Loki reads the line with buger/jsonparser, a lenient scanner that
// extracts as it goes: what precedes an error stays extracted, and the error texts are that
// library's. Nested keys join with `_`.
import type { ParserHints } from './hints.ts';
import { BACKSLASH, CR, ESCAPES, hex4, isJsonSpace, LF, QUOTE, REPLACEMENT, SPACE, TAB } from './json-bytes.ts';
import { KeyCache, Names, sanitize, sanitizePart, type EntryState } from './parsers.ts';

const MALFORMED_JSON = 'Malformed JSON error';
const MALFORMED_STRING = "Value is string, but can't find closing '\"' symbol";
const MALFORMED_ARRAY = "Value is array, but can't find closing ']' symbol";
const MALFORMED_OBJECT = "Value looks like object, but can't find closing '}' symbol";
// Loki's scanner has no bound; Muninn's refuses what no log needs, so one line cannot stall a query
const MAX_SCAN_DEPTH = 100;
const TOO_DEEP = `objects nested deeper than ${MAX_SCAN_DEPTH} levels`;
const UNKNOWN_VALUE = 'Unknown value type';
const BAD_ESCAPE = 'Encountered an invalid escape sequence in a string';

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
export class JsonScanner {
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
    const name = nameOf(key, prefix);
    if (c === QUOTE) {
      const se = this.stringEnd(v + 1, end);
      if (se < 0) return MALFORMED_STRING;
      const label = this.names.labelFor(this.e, name);
      if (label === null) return se;
      let s: string | undefined;
      if (this.escaped) s = unescapeJson(b, v + 1, se - 1) ?? '';
      else s = b.toString('utf8', v + 1, se - 1);
      // Prometheus refuses U+FFFD, which is also what invalid UTF-8 decodes to: Loki empties the value
      if (s.length !== se - 1 - (v + 1) && s.includes(REPLACEMENT)) s = '';
      this.e.labels.set(label, s);
      return se;
    }
    if (c === 0x5b) {
      const be = this.blockEnd(v, end, 0x5b, 0x5d);
      return be < 0 ? MALFORMED_ARRAY : be;
    }
    if (c === 0x7b) {
      const be = this.blockEnd(v, end, 0x7b, 0x7d);
      if (be < 0) return MALFORMED_OBJECT;
      const err = this.object(v, be, name, depth + 1);
      return err ?? be;
    }
    const te = this.tokenEnd(v, end);
    if (c === 0x74 || c === 0x66) {
      if (!this.same(v, te, 'true') && !this.same(v, te, 'false')) return UNKNOWN_VALUE;
      this.names.put(this.e, name, c === 0x74 ? 'true' : 'false');
    } else if (c === 0x6e || c === 0x75) {
      // null is no label
      if (!this.same(v, te, 'null')) return UNKNOWN_VALUE;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const label = this.names.labelFor(this.e, name);
      if (label !== null) this.e.labels.set(label, b.toString('utf8', v, te));
    } else return UNKNOWN_VALUE;
    return te;
  }
}
