// The logfmt parser stage, as Loki 2.8 decodes: `key=value`, `key="quoted \"value\""`, and bare
// words, which are keys with an empty value. The first syntax error stops the line: what came before
// it stays extracted, and __error__ says where (Loki's own text, `logfmt syntax error at pos 35 :
// unterminated quoted value`). It reads the line's bytes: a small cache maps a key's bytes to its
// label name without making a string, and only values become strings.
//
// `--strict` and `--keep-empty` are Loki 3's; with either flag a line is read the Loki 3 way: without
// --strict an error skips to the next word instead of stopping, with it the line stops and is marked
// in error; without --keep-empty keys with an empty value are left out.
import type { LogfmtStage } from '../ast.ts';
import { ALL_LABELS, type ParserHints } from './hints.ts';
import { fail, KEY_HASH_SEED, KeyCache, keyHash, Names, put, sanitize, type Step } from './parsers.ts';

interface Key {
  /** The label name it gives, sanitized (extraction parameters name keys this way too); empty for none. */
  name: string;
  /** Not valid UTF-8 (or U+FFFD itself): Loki refuses such a key. */
  invalid: boolean;
  /** Whether the stage extracts it: the value of a key it leaves out is scanned, never made a string. */
  wanted: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const REPLACEMENT = '\ufffd';
const isSpace = (c: number) => c <= 0x20;

/** Byte classes, so the scans test one table entry per byte: 0 for the bytes that need no thought. */
const SPACE = 1;
const STOP = 2; // = and "
const HIGH = 3;
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) CLASS[c] = c <= 0x20 ? SPACE : c === EQUALS || c === QUOTE ? STOP : c >= 0x80 ? HIGH : 0;
/** Inside quotes: the quote, the backslash, and HIGH; 0 for the rest. */
const ESCAPE = 1;
const QUOTED = new Uint8Array(256);
for (let c = 0; c < 256; c++) QUOTED[c] = c === QUOTE ? STOP : c === BACKSLASH ? ESCAPE : c >= 0x80 ? HIGH : 0;

/** One `key[=value]` at a time over a line, or the error that stops it. */
class Decoder {
  line: Buffer = Buffer.alloc(0);
  pos = 0;
  /** undefined: no value (a bare key, `k=`, `k=""`), and for a key that is not wanted. */
  value: string | undefined;
  err: string | undefined;
  /** The line byte for character (latin1), made once: an ASCII value is a cheap slice of it. */
  private bytes: string | undefined;

  reset(line: Buffer): void {
    this.line = line;
    this.pos = 0;
    this.err = undefined;
    this.bytes = undefined;
  }

  /** Bytes [start, end) as text: sliced from the line when ASCII, else decoded as UTF-8. */
  private text(start: number, end: number, high: boolean): string {
    if (high) return this.line.toString('utf8', start, end);
    this.bytes ??= this.line.toString('latin1');
    return this.bytes.slice(start, end);
  }

  /** The next key (its value in `value`); undefined at the end of the line or at an error (then `err`). */
  next(keys: KeyCache<Key>): Key | undefined {
    const line = this.line;
    const n = line.length;
    let i = this.pos;
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) {
      this.pos = n;
      return undefined;
    }
    const ks = i;
    let multibyte = false;
    let h = KEY_HASH_SEED;
    for (; i < n; i++) {
      const c = line[i];
      const k = CLASS[c];
      if (k !== 0) {
        if (k === SPACE || c === EQUALS) break;
        if (k === STOP) return this.unexpected(i);
        multibyte = true;
      }
      h = keyHash(h, c);
    }
    if (i === ks) return this.unexpected(i);
    const key = keys.hashed(line, ks, i, h);
    // only non-ASCII keys can be invalid
    if (multibyte && key.invalid) return this.syntax(i, 'invalid key');
    this.value = undefined;
    if (i >= n || line[i] !== EQUALS) {
      this.pos = i;
      return key;
    }
    i++;
    if (i >= n || isSpace(line[i])) {
      this.pos = i;
      return key;
    }
    if (line[i] === QUOTE) return this.quoted(key, i);
    const vs = i;
    let high = false;
    for (; i < n; i++) {
      const k = CLASS[line[i]];
      if (k === 0) continue;
      if (k === SPACE) break;
      if (k === STOP) return this.unexpected(i);
      high = true;
    }
    this.value = key.wanted ? valid(this.text(vs, i, high), high) : undefined;
    this.pos = i;
    return key;
  }

  private quoted(key: Key, open: number): Key | undefined {
    const line = this.line;
    const n = line.length;
    let escaped = false;
    let high = false;
    let i = open + 1;
    for (; i < n; i++) {
      const k = QUOTED[line[i]];
      if (k === 0) continue;
      if (k === STOP) break;
      if (k === ESCAPE) {
        escaped = true;
        i++;
      } else high = true;
    }
    if (i >= n) return this.syntax(n, 'unterminated quoted value');
    this.pos = i + 1;
    // an unwanted value is still checked: a bad escape in it stops the line
    if (!key.wanted && !escaped) {
      this.value = undefined;
      return key;
    }
    let v = this.text(open + 1, i, high);
    if (escaped) {
      const u = unquote(v);
      if (u === undefined) return this.syntax(this.pos, 'invalid quoted value');
      v = u;
      high = true;
    }
    this.value = v === '' ? undefined : valid(v, high);
    return key;
  }

  /** Loki counts positions from 1, in bytes. */
  private syntax(at: number, msg: string): undefined {
    this.pos = Math.min(at, this.line.length);
    this.err = `logfmt syntax error at pos ${at + 1} : ${msg}`;
    return undefined;
  }

  /** Past an error to the next word, to read on (Loki 3 without --strict). */
  skipWord(): void {
    const line = this.line;
    while (this.pos < line.length && !isSpace(line[this.pos])) this.pos++;
    this.err = undefined;
  }

  private unexpected(at: number): undefined {
    return this.syntax(at, `unexpected '${this.line[at] === QUOTE ? '"' : '='}'`);
  }
}

/** Prometheus refuses U+FFFD, which is also what invalid UTF-8 decodes to: Loki empties the value. */
const valid = (v: string, high: boolean): string | undefined => (high && v.includes(REPLACEMENT) ? undefined : v);

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', "'": "'", b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** A quoted value's escapes, as Loki reads them (JSON's and `\'`); undefined when one is invalid. */
function unquote(v: string): string | undefined {
  let out = '';
  let at = 0;
  for (let i = v.indexOf('\\'); i >= 0; i = v.indexOf('\\', at)) {
    out += v.slice(at, i);
    const c = v[i + 1];
    if (c === 'u') {
      const r = hex4(v, i + 2);
      if (r < 0) return undefined;
      at = i + 6;
      if (r >= 0xd800 && r < 0xe000) {
        const lo = v[at] === '\\' && v[at + 1] === 'u' ? hex4(v, at + 2) : -1;
        if (r < 0xdc00 && lo >= 0xdc00 && lo < 0xe000) {
          out += String.fromCharCode(r, lo);
          at += 6;
        } else out += REPLACEMENT;
      } else out += String.fromCharCode(r);
      continue;
    }
    const e = c === undefined ? undefined : ESCAPES[c];
    if (e === undefined) return undefined;
    out += e;
    at = i + 2;
  }
  return out + v.slice(at);
}

function hex4(v: string, at: number): number {
  const h = v.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
}

export function logfmtStep(s: LogfmtStage, hints: ParserHints = ALL_LABELS): Step {
  if (hints.none) return () => {};
  const loki3 = s.strict || s.keepEmpty;
  // with parameters: key → label; without, every key is one
  const targets = s.params.length ? extractionTargets(s.params) : undefined;
  // hints are asked about the key before renaming, as Loki's logfmt parsers ask them
  const keys = new KeyCache((line, start, end): Key => {
    const text = line.toString('utf8', start, end);
    const name = sanitize(text);
    return { name, invalid: text.includes(REPLACEMENT), wanted: name !== '' && hints.extract(name) && (targets === undefined || targets.has(name)) };
  });
  const dec = new Decoder();
  // Loki 2.8 answers a parse error with __error__ and stops; Loki 3 without --strict reads on.
  const skipErrors = loki3 && !s.strict;
  const dropEmpty = loki3 && !s.keepEmpty;
  const names = new Names();
  return (e) => {
    // every parameter is there, empty, unless the stream has that name already
    for (const p of s.params) if (!e.stream.has(p.label)) e.labels.set(p.label, '');
    dec.reset(e.line);
    for (;;) {
      const key = dec.next(keys);
      if (key) {
        if (!key.wanted || (dropEmpty && dec.value === undefined)) continue;
        if (targets === undefined) names.put(e, key.name, dec.value ?? '');
        else {
          const label = targets.get(key.name);
          if (label !== undefined) put(e, label, dec.value ?? '');
        }
        continue;
      }
      if (dec.err === undefined) return;
      if (!skipErrors) return fail(e, 'LogfmtParserErr', dec.err);
      dec.skipWord();
    }
  };
}

/**
 * Key (sanitized) → label. A key named by a parameter's expression goes to that label (the first
 * one when several name it: Loki picks one at random per line); a key named like a label goes to it.
 */
function extractionTargets(params: LogfmtStage['params']): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of params) if (!m.has(p.expr)) m.set(p.expr, p.label);
  for (const p of params) if (!m.has(p.label)) m.set(p.label, p.label);
  return m;
}
