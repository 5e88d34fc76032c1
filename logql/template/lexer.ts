// Splits a template into text and action tokens the way Go's text/template lexer does, trim markers included.
import { ParseError } from './errors.ts';

export type TokKind =
  | 'text' | 'open' | 'close' | 'ident' | 'field' | 'var' | 'string' | 'char' | 'number'
  | 'bool' | 'nil' | 'dot' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma'
  | 'keyword' | 'space' | 'eof';

// pos is the UTF-16 index in the source where the token starts: Go reports execution errors at it.
export interface Token { kind: TokKind; val: string; line: number; pos: number }

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block']);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string) => /[\p{L}\p{Nd}_]/u.test(c);

export const parseError = (line: number, msg: string) => new ParseError(line, msg);

export function lex(src: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  let line = 1;
  let trimNext = false;
  const count = (s: string) => { for (const c of s) if (c === '\n') line++; };
  while (i <= src.length) {
    // Text up to the next action.
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    const trimLeft = open >= 0 && src[open + 2] === '-' && isSpace(src[open + 3] ?? '');
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) toks.push({ kind: 'text', val: text, line, pos: i });
    if (open < 0) { count(src.slice(i)); break; }
    count(src.slice(i, open));
    i = open + (trimLeft ? 4 : 2);
    const actionLine = line;
    // Comments must hug the delimiters: {{/* ... */}}.
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw parseError(actionLine, 'unclosed comment');
      count(src.slice(i, end));
      let j = end + 2;
      let trimRight = false;
      if (src[j] !== undefined && isSpace(src[j]) && src[j + 1] === '-' && src.startsWith('}}', j + 2)) { trimRight = true; j += 4; }
      else if (src.startsWith('}}', j)) j += 2;
      else throw parseError(actionLine, 'comment ends before closing delimiter');
      i = j;
      trimNext = trimRight;
      continue;
    }
    toks.push({ kind: 'open', val: '{{', line: actionLine, pos: open });
    trimNext = false;
    let depth = 0;
    for (;;) {
      if (i >= src.length) throw parseError(actionLine, 'unclosed action');
      const c = src[i];
      if (isSpace(c)) {
        const j0 = i;
        while (i < src.length && isSpace(src[i])) i++;
        if (src[i] === '-' && src.startsWith('}}', i + 1)) {
          count(src.slice(j0, i));
          i += 3; trimNext = true; toks.push({ kind: 'close', val: '}}', line, pos: i }); break;
        }
        count(src.slice(j0, i));
        toks.push({ kind: 'space', val: ' ', line, pos: i });
        continue;
      }
      if (src.startsWith('}}', i)) {
        if (depth > 0) throw parseError(line, 'unclosed left paren');
        i += 2; toks.push({ kind: 'close', val: '}}', line, pos: i }); break;
      }
      if (c === '|') { toks.push({ kind: 'pipe', val: c, line, pos: i }); i++; continue; }
      if (c === '(') { depth++; toks.push({ kind: 'lparen', val: c, line, pos: i }); i++; continue; }
      if (c === ')') {
        if (--depth < 0) throw parseError(line, `unexpected right paren`);
        toks.push({ kind: 'rparen', val: c, line, pos: i }); i++; continue;
      }
      if (c === ',') { toks.push({ kind: 'comma', val: c, line, pos: i }); i++; continue; }
      if (c === ':') {
        if (src[i + 1] !== '=') throw parseError(line, 'expected :=');
        toks.push({ kind: 'declare', val: ':=', line, pos: i }); i += 2; continue;
      }
      if (c === '=') { toks.push({ kind: 'assign', val: c, line, pos: i }); i++; continue; }
      if (c === '"') {
        let j = i + 1;
        while (j < src.length && src[j] !== '"') {
          if (src[j] === '\\') j++;
          if (src[j] === '\n' || j >= src.length) throw parseError(line, 'unterminated quoted string');
          j++;
        }
        if (j >= src.length) throw parseError(line, 'unterminated quoted string');
        toks.push({ kind: 'string', val: src.slice(i, j + 1), line, pos: i }); i = j + 1; continue;
      }
      if (c === '`') {
        const j = src.indexOf('`', i + 1);
        if (j < 0) throw parseError(line, 'unterminated raw quoted string');
        toks.push({ kind: 'string', val: src.slice(i, j + 1), line, pos: i }); count(src.slice(i, j)); i = j + 1; continue;
      }
      if (c === "'") {
        let j = i + 1;
        while (j < src.length && src[j] !== "'") { if (src[j] === '\\') j++; if (src[j] === '\n') break; j++; }
        if (src[j] !== "'") throw parseError(line, 'unterminated character constant');
        toks.push({ kind: 'char', val: src.slice(i, j + 1), line, pos: i }); i = j + 1; continue;
      }
      if (c === '$') {
        let j = i + 1;
        while (j < src.length && isAlnum(src[j])) j++;
        toks.push({ kind: 'var', val: src.slice(i, j), line, pos: i }); i = j; continue;
      }
      if (c === '.') {
        if (i + 1 < src.length && /[0-9]/.test(src[i + 1])) { i = lexNumber(src, i, toks, line); continue; }
        let j = i + 1;
        while (j < src.length && isAlnum(src[j])) j++;
        if (j === i + 1) toks.push({ kind: 'dot', val: '.', line, pos: i });
        else toks.push({ kind: 'field', val: src.slice(i, j), line, pos: i });
        i = j; continue;
      }
      if (/[0-9+-]/.test(c)) { i = lexNumber(src, i, toks, line); continue; }
      if (isAlnum(c)) {
        let j = i;
        while (j < src.length && isAlnum(src[j])) j++;
        const w = src.slice(i, j);
        const kind: TokKind = KEYWORDS.has(w) ? 'keyword' : w === 'true' || w === 'false' ? 'bool' : w === 'nil' ? 'nil' : 'ident';
        toks.push({ kind, val: w, line, pos: i }); i = j; continue;
      }
      throw parseError(line, `unexpected ${JSON.stringify(c)} in command`);
    }
  }
  toks.push({ kind: 'eof', val: '', line, pos: src.length });
  return toks;
}

// Go number syntax: sign, 0x/0o/0b prefixes, underscores, decimals and exponents.
function lexNumber(src: string, i: number, toks: Token[], line: number): number {
  const m = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[oObB][0-9_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(src.slice(i));
  const text = m ? m[0] : '';
  const next = src[i + text.length] ?? '';
  if (!text || text === '+' || text === '-' || text === '.' || isAlnum(next)) {
    throw parseError(line, `bad number syntax: ${JSON.stringify(src.slice(i, i + text.length + 1))}`);
  }
  toks.push({ kind: 'number', val: text, line, pos: i });
  return i + text.length;
}
