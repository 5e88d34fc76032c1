// Label sets: their type, the `{a="b", c="d"}` text form, Go string quoting, canonical keys, and
// the names and values a list of them holds.

/** A label set as sorted [name, value] pairs (sorted by name, names unique). */
export type Labels = ReadonlyArray<readonly [string, string]>;

export class LabelsSyntaxError extends Error {
  override name = 'LabelsSyntaxError';
}

/** Sorts by name, in place (most sets come sorted: they are left as they are); the caller guarantees names are unique. */
export function sortLabels(labels: Array<readonly [string, string]>): Labels {
  for (let i = 1; i < labels.length; i++) if (labels[i - 1][0] > labels[i][0]) return labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return labels;
}

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Go's strconv.Quote: escapes for quotes, backslashes, controls and what Go will not print. */
export function quote(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (/[\p{C}\p{Z}]/u.test(ch) && ch !== ' ') out += cp > 0xffff ? '\\U' + cp.toString(16).padStart(8, '0') : '\\u' + cp.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** `{a="b", c="d"}`, in the order given (Loki prints sorted sets). */
export const formatLabels = (labels: Labels): string =>
  '{' + labels.map(([n, v]) => `${n}=${quote(v)}`).join(', ') + '}';

/** A canonical key for grouping equal label sets. */
export const labelsKey = (labels: Labels): string => {
  let k = '';
  for (const [n, v] of labels) k += n + '\u0000' + v + '\u0001';
  return k;
};

/** The names in some label sets, each once, sorted: Loki's /labels answer. */
export function labelNamesOf(sets: Iterable<Labels>): string[] {
  const names = new Set<string>();
  for (const l of sets) for (const [n] of l) names.add(n);
  return [...names].sort();
}

/** The values label `name` has in some label sets, each once, sorted: Loki's /label/<name>/values answer. */
export function labelValuesOf(sets: Iterable<Labels>, name: string): string[] {
  const values = new Set<string>();
  for (const l of sets) for (const [n, v] of l) if (n === name) values.add(v);
  return [...values].sort();
}

export const labelsToObject = (labels: Labels): Record<string, string> => {
  const o: Record<string, string> = {};
  for (const [n, v] of labels) o[n] = v;
  return o;
};

/**
 * Reads a Go double-quoted string literal starting at `s[at]` (the opening quote).
 * Returns the value and the index after the closing quote.
 */
export function unquoteAt(s: string, at: number): { value: string; end: number } {
  if (s[at] !== '"') throw new LabelsSyntaxError(`expected '"' at position ${at}`);
  let out = '';
  let i = at + 1;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '"') return { value: out, end: i + 1 };
    if (ch === '\n') break;
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case "'": out += "'"; break;
      case 'x': out += hexChar(s, i, 2); i += 2; break;
      case 'u': out += hexChar(s, i, 4); i += 4; break;
      case 'U': out += hexChar(s, i, 8); i += 8; break;
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          const oct = s.slice(i - 1, i + 2);
          if (!/^[0-7]{3}$/.test(oct)) throw new LabelsSyntaxError(`invalid octal escape at position ${i - 2}`);
          out += String.fromCharCode(parseInt(oct, 8));
          i += 2;
          break;
        }
        throw new LabelsSyntaxError(`invalid escape '\\${e ?? ''}' at position ${i - 2}`);
    }
  }
  throw new LabelsSyntaxError('unterminated string');
}

function hexChar(s: string, at: number, n: number): string {
  const hex = s.slice(at, at + n);
  if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new LabelsSyntaxError(`invalid hex escape at position ${at - 2}`);
  return String.fromCodePoint(parseInt(hex, 16));
}

/**
 * Parses a label set such as `{app="api", env="prod"}` (the stream of a
 * protobuf push). Names must be valid and unique; the result is sorted.
 */
export function parseLabels(text: string): Labels {
  const s = text.trim();
  if (s[0] !== '{') throw new LabelsSyntaxError(`expected '{' at the start of ${JSON.stringify(text)}`);
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  let i = 1;
  const skip = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  skip();
  if (s[i] === '}') i++;
  else
    for (;;) {
      skip();
      const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i));
      if (!m) throw new LabelsSyntaxError(`invalid label name at position ${i} of ${JSON.stringify(text)}`);
      const name = m[0];
      i += name.length;
      skip();
      if (s[i] !== '=') throw new LabelsSyntaxError(`expected '=' after label ${name}`);
      i++;
      skip();
      const { value, end } = unquoteAt(s, i);
      i = end;
      if (seen.has(name)) throw new LabelsSyntaxError(`duplicate label name ${name}`);
      seen.add(name);
      out.push([name, value]);
      skip();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') {
        i++;
        break;
      }
      throw new LabelsSyntaxError(`expected ',' or '}' at position ${i} of ${JSON.stringify(text)}`);
    }
  skip();
  if (i !== s.length) throw new LabelsSyntaxError(`unexpected text after '}' in ${JSON.stringify(text)}`);
  return sortLabels(out);
}
