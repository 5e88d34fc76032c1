// Splits a LogQL query into tokens with their positions, cutting them where Loki's lexer (Go's
// text/scanner) cuts them, so that errors name the same token at the same place.
import { LabelsSyntaxError, unquoteAt } from '../../model/labels.ts';
import { ParseError } from './errors.ts';
import { parseHumanBytes } from '../go-convert.ts';
import { parseDuration, parsePromDuration } from './units.ts';

/** `other` is a character LogQL has no use for: Loki's lexer calls it an identifier, no parse rule takes it. */
export type TokenKind = 'ident' | 'string' | 'number' | 'duration' | 'bytes' | 'range' | 'op' | 'flag' | 'other' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text as written (unquoted value for strings, the duration inside `[...]` for ranges). */
  text: string;
  /** For number/duration/bytes/range: the value (ns for durations). */
  value?: number;
  line: number;
  col: number;
  /**
   * Loki reports line 0 for tokens its lexer finishes by reading ahead (two-character operators,
   * durations, byte sizes, ranges): the scanner forgets the line then, and its errors say so.
   */
  line0?: boolean;
}

// longest first
const OPS = ['|=', '|~', '!=', '!~', '=~', '==', '>=', '<=', '{', '}', '(', ')', ',', '=', '|', '>', '<', '+', '-', '*', '/', '%', '^', '.'];

/** Loki's limit on a query's size in bytes: longer ones are refused before any work. */
export const MAX_QUERY_BYTES = 5120;

// what Go's scanner reads as one number (its own validity is checked later, as Loki checks it)
const NUMBER = /^(?:0[xX][0-9a-fA-F_.]*(?:[pP][+-]?\d+)?|0[bBoO][0-9_]*|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/;
const DURATION_RUNES = /^[0-9.numsµhdwy]+/;
const BYTES_RUNES = /^[0-9.BikKMGTP]+/;

export function lex(src: string): Token[] {
  const size = Buffer.byteLength(src);
  if (size >= MAX_QUERY_BYTES) throw new ParseError(`input size too long (${size} > ${MAX_QUERY_BYTES})`);
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  // columns count characters, as Go's scanner counts runes; counted on from the last position
  // asked for, so a long line costs no more than its length
  let countedTo = 0;
  let countedCol = 1;
  const pos = (at: number) => {
    if (at < countedTo || countedTo < lineStart) {
      countedTo = lineStart;
      countedCol = 1;
    }
    for (; countedTo < at; countedTo++) {
      const u = src.charCodeAt(countedTo);
      if (u < 0xdc00 || u > 0xdfff) countedCol++; // the second half of a surrogate pair is no new rune
    }
    return { line, col: countedCol };
  };
  const newline = (at: number) => {
    line++;
    lineStart = at + 1;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      newline(i);
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' || src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const p = pos(i);
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new ParseError('comment not terminated', p.line, p.col);
      for (let k = i; k < end; k++) if (src[k] === '\n') newline(k);
      i = end + 2;
      continue;
    }
    if (c === '"') {
      try {
        const { value, end } = unquoteAt(src, i);
        out.push({ kind: 'string', text: value, ...p });
        i = end;
      } catch (err) {
        if (err instanceof LabelsSyntaxError)
          throw new ParseError(/unterminated/.test(err.message) ? 'literal not terminated' : 'invalid char escape', p.line, p.col);
        throw err;
      }
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new ParseError('literal not terminated', p.line, p.col);
      const text = src.slice(i + 1, end);
      for (let k = i; k < end; k++) if (src[k] === '\n') newline(k);
      out.push({ kind: 'string', text, ...p });
      i = end + 1;
      continue;
    }
    if (c === '[') {
      const end = src.indexOf(']', i + 1);
      if (end < 0) throw new ParseError("missing closing ']' in duration", 0, p.col);
      const text = src.slice(i + 1, end);
      let value: number;
      try {
        value = Number(parsePromDuration(text));
      } catch (err) {
        throw new ParseError((err as Error).message, 0, p.col);
      }
      out.push({ kind: 'range', text, value, ...p, line0: true });
      i = end + 1;
      continue;
    }
    if (c === '-' && src[i + 1] === '-' && /[a-z]/.test(src[i + 2] ?? '')) {
      const m = /^--[a-z][a-z-]*/.exec(src.slice(i))!;
      out.push({ kind: 'flag', text: m[0], ...p });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const num = NUMBER.exec(src.slice(i))![0];
      const rest = src.slice(i + num.length);
      // a suffix glued to the number makes it a duration, else a byte size, else it stays a number
      const d = DURATION_RUNES.exec(rest)?.[0];
      const b = BYTES_RUNES.exec(rest)?.[0];
      const tryAs = (kind: 'duration' | 'bytes', suffix: string | undefined, parse: (s: string) => number): boolean => {
        if (!suffix) return false;
        try {
          out.push({ kind, text: num + suffix, value: parse(num + suffix), ...p, line0: true });
        } catch {
          return false;
        }
        i += num.length + suffix.length;
        return true;
      };
      if (tryAs('duration', d, parseDuration) || tryAs('bytes', b, parseHumanBytes)) continue;
      out.push({ kind: 'number', text: num, value: Number(num.replace(/_/g, '')), ...p });
      i += num.length;
      continue;
    }
    if (/[\p{L}_]/u.test(c)) {
      const m = /^[\p{L}_][\p{L}\p{Nd}_]*/u.exec(src.slice(i))!;
      out.push({ kind: 'ident', text: m[0], ...p });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    const text = op ?? String.fromCodePoint(src.codePointAt(i)!);
    out.push({ kind: op ? 'op' : 'other', text, ...p, ...(text.length === 2 && op ? { line0: true } : {}) });
    i += text.length;
  }
  // an empty query's end has no position at all
  const end = i === 0 ? { line: 0, col: 0 } : pos(i);
  out.push({ kind: 'eof', text: '', ...end });
  return out;
}
