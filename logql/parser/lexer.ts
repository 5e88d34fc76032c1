// Splits a LogQL query into tokens with their positions; strings are unquoted here, numbers,
// durations and byte sizes are told apart here.
import { LabelsSyntaxError, unquoteAt } from '../labels.ts';
import { ParseError } from './errors.ts';
import { parseBytes, parseDuration } from './units.ts';

export type TokenKind = 'ident' | 'string' | 'number' | 'duration' | 'bytes' | 'op' | 'flag' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text as written (unquoted value for strings). */
  text: string;
  /** For number/duration/bytes: the value (ns for durations). */
  value?: number;
  line: number;
  col: number;
}

// longest first
const OPS = ['|=', '|~', '!=', '!~', '=~', '==', '>=', '<=', '{', '}', '(', ')', '[', ']', ',', '=', '|', '>', '<', '+', '-', '*', '/', '%', '^'];

/** Queries longer than this are refused before any work: user input is hostile. */
export const MAX_QUERY_LENGTH = 128 * 1024;

export function lex(src: string): Token[] {
  if (src.length > MAX_QUERY_LENGTH) throw new ParseError(`query too long: ${src.length} characters, at most ${MAX_QUERY_LENGTH}`);
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (at: number) => ({ line, col: at - lineStart + 1 });
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const p = pos(i);
    if (c === '"') {
      try {
        const { value, end } = unquoteAt(src, i);
        out.push({ kind: 'string', text: value, ...p });
        i = end;
      } catch (err) {
        if (err instanceof LabelsSyntaxError) throw new ParseError(`invalid string: ${err.message}`, p.line, p.col);
        throw err;
      }
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new ParseError('unterminated raw string', p.line, p.col);
      const text = src.slice(i + 1, end);
      for (const ch of text) if (ch === '\n') line++;
      out.push({ kind: 'string', text, ...p });
      i = end + 1;
      continue;
    }
    if (c === '-' && src[i + 1] === '-' && /[a-z]/.test(src[i + 2] ?? '')) {
      const m = /^--[a-z][a-z-]*/.exec(src.slice(i))!;
      out.push({ kind: 'flag', text: m[0], ...p });
      i += m[0].length;
      continue;
    }
    if (/[0-9.]/.test(c) && /[0-9]/.test(c === '.' ? (src[i + 1] ?? '') : c)) {
      const m = /^(0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Zµμ][a-zA-Z0-9µμ.]*)?/.exec(src.slice(i))!;
      const [all, num, suffix] = m;
      if (!suffix) out.push({ kind: 'number', text: num, value: Number(num), ...p });
      else {
        let tok: Token | undefined;
        try {
          tok = { kind: 'duration', text: all, value: parseDuration(all), ...p };
        } catch {
          try {
            tok = { kind: 'bytes', text: all, value: parseBytes(all), ...p };
          } catch {
            throw new ParseError(`syntax error: unexpected IDENTIFIER ${JSON.stringify(all)}`, p.line, p.col);
          }
        }
        out.push(tok);
      }
      i += all.length;
      continue;
    }
    if (/[a-zA-Z_]/.test(c)) {
      const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(src.slice(i))!;
      out.push({ kind: 'ident', text: m[0], ...p });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ParseError(`syntax error: unexpected character ${JSON.stringify(c)}`, p.line, p.col);
    out.push({ kind: 'op', text: op, ...p });
    i += op.length;
  }
  out.push({ kind: 'eof', text: '', ...pos(i) });
  return out;
}
