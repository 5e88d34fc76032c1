// Regular-expression functions over RE2, with Go's rules for empty matches and $1/${name} expansion.
import RE2 from 're2';
import { regexpError } from '../../parser/regexp-errors.ts';
import { TemplateError } from '../errors.ts';
import { ensureFits } from '../limits.ts';
import { def, type FuncMap } from './types.ts';

// Patterns usually are constants in the template: compile each once.
const MAX_CACHED = 256;
const cache = new Map<string, RE2>();
function compile(pattern: string): RE2 {
  let re = cache.get(pattern);
  if (re) return re;
  try {
    re = new RE2(pattern, 'gu');
  } catch (e) {
    throw new TemplateError(regexpError(pattern, 'u') ?? (e as Error).message);
  }
  const goOnly = notInGo121(pattern);
  if (goOnly) throw new TemplateError(`error parsing regexp: ${goOnly}`);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(pattern, re);
  return re;
}

// What RE2 takes but Go 1.21's regexp, which Loki 2.8 is built with, refuses: (?<name>...) (Go 1.22
// has it) and \C (any byte).
function notInGo121(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'C') return 'invalid escape sequence: `\\C`';
      i++;
      continue;
    }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      // a ] right after [ or [^ is a literal
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (pattern.startsWith('(?<', i)) return 'invalid or unsupported Perl syntax: `(?<`';
  }
  return undefined;
}

const width = (s: string, i: number) => ((s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1);

// Go's FindAll: an empty match right after the previous match does not count.
function eachMatch(re: RE2, s: string, onMatch: (m: RegExpExecArray) => void): void {
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const end = m.index + m[0].length;
    let accept = true;
    if (end === pos) {
      if (m.index === prevEnd) accept = false;
      pos += pos < s.length ? width(s, pos) : 1;
    } else pos = end;
    prevEnd = end;
    if (accept) onMatch(m);
  }
}

// regexp.Expand: $1, ${1}, $name, ${name}; an unknown group expands to nothing, $$ is a dollar.
// Expanding appends to `out`, checked against `max` group by group: `$1$1$1...` multiplies a group.
function expand(out: string, tmpl: string, m: RegExpExecArray, max: number): string {
  if (!tmpl.includes('$')) return out + tmpl;
  for (let i = 0; i < tmpl.length; i++) {
    const c = tmpl[i];
    if (c !== '$') { out += c; continue; }
    if (tmpl[i + 1] === '$') { out += '$'; i++; continue; }
    let name = '';
    let next = i + 1;
    if (tmpl[i + 1] === '{') {
      const close = tmpl.indexOf('}', i + 2);
      const inner = close < 0 ? '' : tmpl.slice(i + 2, close);
      if (close < 0 || !/^[\p{L}\p{Nd}_]+$/u.test(inner)) { out += '$'; continue; }
      name = inner; next = close + 1;
    } else {
      const w = /^[\p{L}\p{Nd}_]+/u.exec(tmpl.slice(i + 1));
      if (!w) { out += '$'; continue; }
      name = w[0]; next = i + 1 + name.length;
    }
    if (/^[0-9]+$/.test(name)) {
      const k = Number(name);
      if (k < m.length) out += m[k] ?? '';
    } else out += m.groups?.[name] ?? '';
    ensureFits(out.length, max);
    i = next - 1;
  }
  return out;
}

// Go's ReplaceAll: an empty match abutting the previous match is left alone. Every match can add
// all of repl, so the result is checked against `max` as it grows.
function replaceAll(pattern: string, s: string, repl: string, literal: boolean, max: number): string {
  const re = compile(pattern);
  let out = '';
  let lastEnd = 0;
  let pos = 0;
  while (pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const end = m.index + m[0].length;
    out += s.slice(lastEnd, m.index);
    if (end > lastEnd || m.index === 0) out = literal ? out + repl : expand(out, repl, m, max);
    ensureFits(out.length, max);
    lastEnd = end;
    const w = pos < s.length ? width(s, pos) : 1;
    if (pos + w > end) pos += w;
    else if (pos + 1 > end) pos++;
    else pos = end;
  }
  return out + s.slice(lastEnd);
}

function count(pattern: string, s: string): bigint {
  let n = 0n;
  eachMatch(compile(pattern), s, () => { n++; });
  return n;
}

export const regexFuncs: FuncMap = {
  regexReplaceAll: def(['string', 'string', 'string'], ([r, s, repl], _, max) => replaceAll(r as string, s as string, repl as string, false, max)),
  regexReplaceAllLiteral: def(['string', 'string', 'string'], ([r, s, repl], _, max) => replaceAll(r as string, s as string, repl as string, true, max)),
  count: def(['string', 'string'], ([r, s]) => count(r as string, s as string)),
};
