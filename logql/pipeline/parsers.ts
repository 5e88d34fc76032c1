// What the parser stages share (entry state, key sanitizing, Loki's renaming rules, a key cache),
// and the regexp and pattern stages; json, logfmt and unpack have their own files. An extracted
// name that a stream label already has gets `_extracted`; a parser runs even when an earlier one
// marked the entry in error, as in Loki, and its own error replaces that one.
import RE2 from 're2';
import type { PatternStage, RegexpStage } from '../ast.ts';
import { ERROR, ERROR_DETAILS } from './label-filter.ts';
import { ALL_LABELS, type ParserHints } from './hints.ts';
import type { LabelSet } from './label-set.ts';

export interface EntryState {
  line: Buffer;
  labels: LabelSet;
  /**
   * Names the stream had before any parser ran: collisions are renamed. One set per stream, never
   * changed: parsers cache label names per set.
   */
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
export const sanitizePart = (key: string): string => key.replace(GO_SPACE, '').replace(/[^a-zA-Z0-9_]/gu, '_');

export function put(e: EntryState, name: string, value: string): void {
  e.labels.set(e.stream.has(name) ? `${name}_extracted` : name, value);
}

const DECISIONS = 1024;

/**
 * The label an extracted name goes to, decided once per stream. Loki 2.8.11 caches that decision
 * across all the streams of a query, so the first stream to show a key decided it for the others:
 * a stream label was overwritten, or `_extracted` added where nothing collides, by evaluation order.
 * Muninn decides per stream, as Loki means to; the cache still spares the hot path a lookup in
 * the stream's names and the hints for every field.
 */
export class Names {
  private decided = new Map<string, string | null>();
  private stream: ReadonlySet<string> | undefined;

  /** `hints` are asked about the name after renaming (json) or before it (unpack), as Loki asks them. */
  constructor(
    private hints: ParserHints = ALL_LABELS,
    private hintsBeforeRename = false,
  ) {}

  /** The label `name` goes to in this entry's stream, or null when it is none (empty, or left out by the hints): then a parser need not make its value. */
  labelFor(e: EntryState, name: string): string | null {
    if (name === '') return null;
    if (e.stream !== this.stream) {
      this.decided.clear();
      this.stream = e.stream;
    }
    let n = this.decided.get(name);
    if (n === undefined) {
      n = e.stream.has(name) ? `${name}_extracted` : name;
      if (!this.hints.extract(this.hintsBeforeRename ? name : n)) n = null;
      if (this.decided.size < DECISIONS) this.decided.set(name, n);
    }
    return n;
  }

  put(e: EntryState, name: string, value: string): void {
    const n = this.labelFor(e, name);
    if (n !== null) e.labels.set(n, value);
  }
}

export function fail(e: EntryState, err: string, details: string): void {
  e.labels.set(ERROR, err);
  e.labels.set(ERROR_DETAILS, details);
}

const SLOTS = 256;

/** FNV-1a over a key's bytes, one byte at a time: `h = keyHash(h, byte)` from KEY_HASH_SEED. */
export const KEY_HASH_SEED = 0x811c9dc5;
export const keyHash = (h: number, byte: number): number => Math.imul(h ^ byte, 0x01000193);

/**
 * What a key's bytes give (its label name...), in a fixed number of slots so a hostile line can
 * only make it miss: keys repeat from line to line, and a hit makes no string.
 */
export class KeyCache<T> {
  private slots: Array<{ bytes: Buffer; made: T } | undefined> = new Array(SLOTS);

  constructor(private make: (line: Buffer, start: number, end: number) => T) {}

  get(line: Buffer, start: number, end: number): T {
    let h = KEY_HASH_SEED;
    for (let i = start; i < end; i++) h = keyHash(h, line[i]);
    return this.hashed(line, start, end, h);
  }

  /** get(), for a caller that hashed the key's bytes with keyHash while it scanned them. */
  hashed(line: Buffer, start: number, end: number, h: number): T {
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

/** The parser (parser-checks.ts) has refused a pattern without a named capture, as Loki does. */
export function regexpStep(s: RegexpStage): Step {
  const re = new RE2(s.pattern);
  const names = new Names();
  return (e) => {
    const m = re.exec(e.line.toString('utf8'));
    if (!m?.groups) return;
    for (const [k, v] of Object.entries(m.groups)) if (v !== undefined) names.put(e, k, v);
  };
}

/**
 * `<ip> - <_> "<method> <path>"`: captures between literals, `<_>` skipped. The parser
 * (parser-checks.ts) has refused patterns Loki refuses: no capture, two in a row, a name twice.
 */
export function patternStep(s: PatternStage, hints: ParserHints = ALL_LABELS): Step {
  const parts: Array<{ literal: string } | { name: string }> = [];
  const re = /<([a-zA-Z_][a-zA-Z0-9_]*)>/g;
  let at = 0;
  for (let m = re.exec(s.pattern); m; m = re.exec(s.pattern)) {
    if (m.index > at) parts.push({ literal: s.pattern.slice(at, m.index) });
    parts.push({ name: m[1] });
    at = re.lastIndex;
  }
  if (at < s.pattern.length) parts.push({ literal: s.pattern.slice(at) });
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
