// The logfmt parser stage: key=value pairs, values bare or double-quoted with escapes. It reads
// the line's bytes: keys repeat from line to line, so a small cache maps a key's bytes to its
// label name without making a string, and only values become strings.
import type { ExtractionParam, LogfmtStage } from '../ast.ts';
import { ERROR } from './label-filter.ts';
import { fail, put, sanitize, type Step } from './parsers.ts';

interface Key {
  bytes: Buffer;
  /** The key as written, for extraction parameters and errors. */
  text: string;
  /** The label name it gives: sanitized. */
  name: string;
}

const SLOTS = 256;

/** Keys by their bytes, in a fixed number of slots: a hostile line can only make it miss. */
class KeyCache {
  private slots: Array<Key | undefined> = new Array(SLOTS);

  get(line: Buffer, start: number, end: number): Key {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ line[i], 0x01000193);
    const slot = (h >>> 0) % SLOTS;
    const k = this.slots[slot];
    if (k && k.bytes.length === end - start && sameBytes(k.bytes, line, start)) return k;
    const text = line.toString('utf8', start, end);
    const made = { bytes: Buffer.from(line.subarray(start, end)), text, name: sanitize(text) };
    this.slots[slot] = made;
    return made;
  }
}

function sameBytes(a: Buffer, line: Buffer, at: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== line[at + i]) return false;
  return true;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const isSpace = (c: number) => c <= 0x20;
const unescape = (v: string) => v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));

export function logfmtStep(s: LogfmtStage): Step {
  const wanted = new Map(s.params.map((p: ExtractionParam) => [p.expr, p.label]));
  const keys = new KeyCache();
  return (e) => {
    if (e.labels.has(ERROR)) return;
    const line = e.line;
    const n = line.length;
    let i = 0;
    while (i < n) {
      while (i < n && isSpace(line[i])) i++;
      if (i >= n) return;
      const ks = i;
      let quoted = false;
      for (; i < n && line[i] !== EQUALS && !isSpace(line[i]); i++) quoted ||= line[i] === QUOTE;
      const ke = i;
      let value: string | undefined;
      let ok = ke > ks;
      if (line[i] !== EQUALS) {
        // a bare word: a key without a value
        ok &&= !quoted;
      } else if (line[++i] === QUOTE) {
        const vs = ++i;
        let escaped = false;
        while (i < n && line[i] !== QUOTE) {
          if (line[i] === BACKSLASH) {
            escaped = true;
            i++;
          }
          i++;
        }
        ok &&= i < n;
        value = line.toString('utf8', vs, Math.min(i, n));
        if (escaped) value = unescape(value);
        i++;
      } else {
        const vs = i;
        let stray = false;
        for (; i < n && !isSpace(line[i]); i++) stray ||= line[i] === QUOTE;
        ok &&= !stray;
        value = line.toString('utf8', vs, i);
      }
      if (!ok) {
        if (!s.strict) continue;
        fail(e, 'LogfmtParserErr', `logfmt syntax error near ${JSON.stringify(line.toString('utf8', ks, ke))}`);
        return;
      }
      if (value === undefined && !s.keepEmpty) continue;
      const key = keys.get(line, ks, ke);
      if (wanted.size) {
        const label = wanted.get(key.text);
        if (label) put(e, label, value ?? '');
      } else put(e, key.name, value ?? '');
    }
  };
}
