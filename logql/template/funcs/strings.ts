// String functions: Go's strings package (Loki's capitalised names) and sprig's, with sprig's argument order.
import { TemplateError } from '../errors.ts';
import type { Value } from '../values.ts';
import { truth } from '../values.ts';
import { byteSlice } from '../bytes.ts';
import { ensureFits } from '../limits.ts';
import { def, type FuncMap } from './types.ts';

// Go maps case rune by rune: never by context (JS ends a word with ς) and never into several runes
// (JS makes ß SS); only İ has a one-rune lower case in Go where JS gives two.
const mapCase = (s: string, up: boolean) => {
  if (/^[\x00-\x7f]*$/.test(s)) return up ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const m = up ? ch.toUpperCase() : ch.toLowerCase();
    out += [...m].length === 1 ? m : !up && ch === 'İ' ? 'i' : ch;
  }
  return out;
};

const isSep = (ch: string) => {
  if (ch.charCodeAt(0) <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
};

// Go's title case differs from upper case only for the Latin digraphs.
const TITLE: Record<string, string> = { Ǆ: 'ǅ', ǆ: 'ǅ', Ǉ: 'ǈ', ǉ: 'ǈ', Ǌ: 'ǋ', ǌ: 'ǋ', Ǳ: 'ǲ', ǳ: 'ǲ' };

function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSep(prev) ? TITLE[ch] ?? mapCase(ch, true) : ch;
    prev = ch;
  }
  return out;
}

const WS = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const trimLeftFn = (s: string, drop: (ch: string) => boolean) => {
  const cps = [...s];
  let i = 0;
  while (i < cps.length && drop(cps[i])) i++;
  return cps.slice(i).join('');
};
const trimRightFn = (s: string, drop: (ch: string) => boolean) => {
  const cps = [...s];
  let j = cps.length;
  while (j > 0 && drop(cps[j - 1])) j--;
  return cps.slice(0, j).join('');
};
const inSet = (cutset: string) => { const set = new Set(cutset); return (ch: string) => set.has(ch); };
const isWS = (ch: string) => WS.test(ch);
const trimSpace = (s: string) => trimRightFn(trimLeftFn(s, isWS), isWS);
const trimSet = (s: string, cutset: string) => { const f = inSet(cutset); return trimRightFn(trimLeftFn(s, f), f); };
const trimPrefix = (s: string, p: string) => (p !== '' && s.startsWith(p) ? s.slice(p.length) : s);
const trimSuffix = (s: string, p: string) => (p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s);

// strings.Replace with n < 0 meaning all; an empty old inserts new around every rune. Each
// replacement can grow the string by all of new: the size is known, and refused, before building.
function replaceN(s: string, old: string, repl: string, n: number, max: number): string {
  if (n === 0 || old === repl) return s;
  if (old === '') {
    const cps = [...s];
    const times = n < 0 ? cps.length + 1 : Math.min(n, cps.length + 1);
    ensureFits(s.length + times * repl.length, max);
    let out = '';
    let done = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (n < 0 || done < n) { out += repl; done++; }
      if (i < cps.length) out += cps[i];
    }
    return out;
  }
  if (n < 0) {
    const parts = s.split(old);
    ensureFits(s.length + (parts.length - 1) * (repl.length - old.length), max);
    return parts.join(repl);
  }
  let out = '';
  let i = 0;
  for (let done = 0; done < n; done++) {
    const j = s.indexOf(old, i);
    if (j < 0) break;
    out += s.slice(i, j) + repl;
    ensureFits(out.length, max);
    i = j + old.length;
  }
  return out + s.slice(i);
}

// sprig's trunc counts bytes, so it can cut a character in two (see bytes.ts).
function trunc(c: number, s: string): string {
  const len = Buffer.byteLength(s);
  if (c < 0 && len + c > 0) return byteSlice(s, len + c);
  if (c >= 0 && len > c) return byteSlice(s, 0, c);
  return s;
}

// Go's panic texts for a bad s[lo:hi], which the template reports as the function's error.
const outOfRange = (bounds: string, len?: number) =>
  new TemplateError(`runtime error: slice bounds out of range [${bounds}]${len === undefined ? '' : ` with length ${len}`}`);

// sprig's substr, in bytes: a negative start means s[:end]; a negative or too large end means s[start:].
function substr(start: number, end: number, s: string): string {
  const len = Buffer.byteLength(s);
  if (start < 0) {
    if (end < 0) throw outOfRange(`:${end}`);
    if (end > len) throw outOfRange(`:${end}`, len);
    return byteSlice(s, 0, end);
  }
  if (end < 0 || end > len) {
    if (start > len) throw outOfRange(`${start}:${len}`);
    return byteSlice(s, start);
  }
  if (start > end) throw outOfRange(`${start}:${end}`);
  return byteSlice(s, start, end);
}

function repeat(count: number, s: string, max: number): string {
  if (count < 0) throw new TemplateError('strings: negative Repeat count');
  ensureFits(count * s.length, max);
  return s.repeat(count);
}

// sprig's indent: n spaces before every line.
function indent(n: number, s: string, max: number): string {
  const lines = s.split('\n');
  ensureFits(s.length + lines.length * n, max);
  const pad = repeat(n, ' ', max);
  return pad + lines.join('\n' + pad);
}

/** Loki 2.9's alignLeft/alignRight, kept on top of 2.8: pad or cut to `count` characters. */
function align(count: number, s: string, left: boolean, max: number): string {
  const cps = [...s];
  if (count < 0 || count === cps.length) return s;
  const pad = count - cps.length;
  if (pad > 0) {
    ensureFits(s.length + pad, max);
    return left ? s + ' '.repeat(pad) : ' '.repeat(pad) + s;
  }
  return left ? cps.slice(0, count).join('') : cps.slice(cps.length - count).join('');
}

const n = (v: Value) => Number(v as bigint);
const str = (v: Value) => v as string;

// sprig's empty(): zero values and empty containers.
const empty = (v: Value) => !truth(v);

export const stringFuncs: FuncMap = {
  ToLower: def(['string'], ([s]) => mapCase(str(s), false)),
  ToUpper: def(['string'], ([s]) => mapCase(str(s), true)),
  Replace: def(['string', 'string', 'string', 'int'], ([s, o, r, c], _, max) => replaceN(str(s), str(o), str(r), n(c), max)),
  Trim: def(['string', 'string'], ([s, c]) => trimSet(str(s), str(c))),
  TrimLeft: def(['string', 'string'], ([s, c]) => trimLeftFn(str(s), inSet(str(c)))),
  TrimRight: def(['string', 'string'], ([s, c]) => trimRightFn(str(s), inSet(str(c)))),
  TrimPrefix: def(['string', 'string'], ([s, p]) => trimPrefix(str(s), str(p))),
  TrimSuffix: def(['string', 'string'], ([s, p]) => trimSuffix(str(s), str(p))),
  TrimSpace: def(['string'], ([s]) => trimSpace(str(s))),
  lower: def(['string'], ([s]) => mapCase(str(s), false)),
  upper: def(['string'], ([s]) => mapCase(str(s), true)),
  title: def(['string'], ([s]) => title(str(s))),
  trunc: def(['int', 'string'], ([c, s]) => trunc(n(c), str(s))),
  substr: def(['int', 'int', 'string'], ([a, b, s]) => substr(n(a), n(b), str(s))),
  contains: def(['string', 'string'], ([sub, s]) => str(s).includes(str(sub))),
  hasPrefix: def(['string', 'string'], ([p, s]) => str(s).startsWith(str(p))),
  hasSuffix: def(['string', 'string'], ([p, s]) => str(s).endsWith(str(p))),
  indent: def(['int', 'string'], ([c, s], _, max) => indent(n(c), str(s), max)),
  nindent: def(['int', 'string'], ([c, s], _, max) => '\n' + indent(n(c), str(s), max)),
  replace: def(['string', 'string', 'string'], ([o, r, s], _, max) => replaceN(str(s), str(o), str(r), -1, max)),
  repeat: def(['int', 'string'], ([c, s], _, max) => repeat(n(c), str(s), max)),
  trim: def(['string'], ([s]) => trimSpace(str(s))),
  trimAll: def(['string', 'string'], ([c, s]) => trimSet(str(s), str(c))),
  trimPrefix: def(['string', 'string'], ([p, s]) => trimPrefix(str(s), str(p))),
  trimSuffix: def(['string', 'string'], ([p, s]) => trimSuffix(str(s), str(p))),
  alignLeft: def(['int', 'string'], ([c, s], _, max) => align(n(c), str(s), true, max)),
  alignRight: def(['int', 'string'], ([c, s], _, max) => align(n(c), str(s), false, max)),
  default: def(['any'], ([d, ...given]) => (given.length === 0 || empty(given[0]) ? d : given[0]), 'any'),
};
