// The parser stages json, regexp, pattern and unpack (logfmt has its own file) turn a line into
// labels. An extracted name that a stream label already has gets `_extracted`; a parser does nothing
// once an entry carries __error__, as in Loki.
import RE2 from 're2';
import type { JsonStage, PatternStage, RegexpStage } from '../ast.ts';
import { QueryError } from '../eval/errors.ts';
import { ERROR, ERROR_DETAILS } from './label-filter.ts';
import type { LabelSet } from './label-set.ts';

export interface EntryState {
  line: Buffer;
  labels: LabelSet;
  /** Names the stream had before any parser ran: collisions are renamed. */
  stream: ReadonlySet<string>;
}

export type Step = (e: EntryState) => void;

const VALID_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const sanitize = (key: string) => {
  if (VALID_NAME.test(key)) return key;
  let s = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (s === '' || /^[0-9]/.test(s)) s = `_${s}`;
  return s;
};

export function put(e: EntryState, name: string, value: string): void {
  const n = e.stream.has(name) ? `${name}_extracted` : name;
  if (!e.stream.has(n) || !e.labels.has(n)) e.labels.set(n, value);
}

export function fail(e: EntryState, err: string, details: string): void {
  e.labels.set(ERROR, err);
  e.labels.set(ERROR_DETAILS, details);
}

const scalar = (v: unknown): string | undefined =>
  v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

function flatten(e: EntryState, prefix: string, o: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(o)) {
    const name = prefix ? `${prefix}_${sanitize(k)}` : sanitize(k);
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(e, name, v as Record<string, unknown>);
    else {
      const s = scalar(v);
      if (s !== undefined) put(e, name, s);
    }
  }
}

/**
 * The line as a JSON object, or undefined with JSONParserErr set. A line that cannot be an object
 * is refused before JSON.parse: a thrown error costs more than the parse.
 */
function parseObject(e: EntryState): Record<string, unknown> | undefined {
  const line = e.line;
  let i = 0;
  while (i < line.length && line[i] <= 32) i++;
  if (line[i] !== 0x7b /* { */) {
    fail(e, 'JSONParserErr', i < line.length ? `the line is not a JSON object: it starts with ${JSON.stringify(String.fromCharCode(line[i]))}` : 'the line is empty');
    return undefined;
  }
  try {
    const doc = JSON.parse(line.toString('utf8'));
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch (err) {
    fail(e, 'JSONParserErr', (err as Error).message);
    return undefined;
  }
  fail(e, 'JSONParserErr', 'the line is not a JSON object');
  return undefined;
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

export function jsonStep(s: JsonStage): Step {
  const params = s.params.map((p) => ({ label: p.label, path: jsonPath(p.expr) }));
  return (e) => {
    if (e.labels.has(ERROR)) return;
    const doc = parseObject(e);
    if (!doc) return;
    if (!params.length) return flatten(e, '', doc);
    for (const p of params) {
      let v: unknown = doc;
      for (const seg of p.path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
      const str = v === undefined ? '' : (scalar(v) ?? JSON.stringify(v));
      put(e, p.label, str);
    }
  };
}

export function regexpStep(s: RegexpStage): Step {
  const re = new RE2(s.pattern);
  if (!/\(\?P?<[a-zA-Z_]/.test(s.pattern)) throw new QueryError('at least one named capture must be supplied');
  return (e) => {
    if (e.labels.has(ERROR)) return;
    const m = re.exec(e.line.toString('utf8'));
    if (!m?.groups) return;
    for (const [k, v] of Object.entries(m.groups)) if (v !== undefined) put(e, k, v);
  };
}

/** `<ip> - <_> "<method> <path>"`: captures between literals, `<_>` skipped. */
export function patternStep(s: PatternStage): Step {
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
  return (e) => {
    if (e.labels.has(ERROR)) return;
    const line = e.line.toString('utf8');
    let pos = 0;
    const found: Array<[string, string]> = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if ('literal' in p) {
        const j = line.indexOf(p.literal, pos);
        if (j < 0 || (i === 0 && j !== 0)) return;
        pos = j + p.literal.length;
        continue;
      }
      const next = parts[i + 1];
      const end = next && 'literal' in next ? line.indexOf(next.literal, pos) : line.length;
      if (end < 0) return;
      if (p.name !== '_') found.push([p.name, line.slice(pos, end)]);
      pos = end;
    }
    for (const [k, v] of found) put(e, k, v);
  };
}

/** The inverse of promtail's pack: string fields become labels, `_entry` the line. */
export const unpackStep: Step = (e) => {
  if (e.labels.has(ERROR)) return;
  const doc = parseObject(e);
  if (!doc) return;
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof v !== 'string') continue;
    if (k === '_entry') e.line = Buffer.from(v, 'utf8');
    else put(e, k, v);
  }
};
