// Go literal syntax inside actions: quoted strings with Go escapes, raw strings, numbers and rune constants.
import type { NumberLit } from './ast.ts';
import { parseError } from './lexer.ts';

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

// Go's strconv.Unquote for "..." , `...` and '...'; \x and octal escapes are bytes, so they are collected as UTF-8.
export function unquote(q: string, line: number): string {
  if (q[0] === '`') return q.slice(1, -1).replace(/\r/g, '');
  const body = q.slice(1, -1);
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      if (cp > 0xffff) i++;
      out.push(...enc.encode(String.fromCodePoint(cp)));
      continue;
    }
    const e = body[++i];
    if (e in SIMPLE) { out.push(SIMPLE[e].charCodeAt(0)); continue; }
    const hex = (n: number) => {
      const h = body.slice(i + 1, i + 1 + n);
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw parseError(line, `invalid syntax in ${q}`);
      i += n;
      return parseInt(h, 16);
    };
    if (e === 'x') { out.push(hex(2)); continue; }
    if (e === 'u') { out.push(...enc.encode(String.fromCodePoint(hex(4)))); continue; }
    if (e === 'U') { out.push(...enc.encode(String.fromCodePoint(hex(8)))); continue; }
    if (e >= '0' && e <= '7') {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) throw parseError(line, `invalid syntax in ${q}`);
      out.push(parseInt(o, 8)); i += 2; continue;
    }
    throw parseError(line, `invalid syntax in ${q}`);
  }
  return Buffer.from(out).toString('utf8');
}

export function parseNumber(text: string, isChar: boolean, line: number): NumberLit {
  if (isChar) {
    const s = unquote('"' + text.slice(1, -1).replace(/"/g, '\\"') + '"', line);
    const cp = s.codePointAt(0)!;
    if ([...s].length !== 1) throw parseError(line, `malformed character constant: ${text}`);
    return { isInt: true, int: BigInt(cp), isFloat: true, float: cp, text, overflows: false, ideal: BigInt(cp) };
  }
  if (text.endsWith('i')) throw parseError(line, `complex numbers are not supported: ${text}`);
  const clean = text.replace(/_/g, '');
  const neg = clean[0] === '-';
  const unsigned = clean.replace(/^[+-]/, '');
  let isInt = false;
  let int = 0n;
  let float = NaN;
  const lower = unsigned.toLowerCase();
  if (/^0x[0-9a-f]+$/.test(lower) || /^0o[0-7]+$/.test(lower) || /^0b[01]+$/.test(lower)) {
    int = BigInt(lower); isInt = true;
  } else if (/^0[0-7]+$/.test(lower)) {
    int = BigInt('0o' + lower.slice(1)); isInt = true;
  } else if (/^[0-9]+$/.test(lower)) {
    int = BigInt(lower); isInt = true;
  }
  if (isInt) {
    if (neg) int = -int;
    float = Number(int);
  } else {
    float = Number(unsigned);
    if (/^0x/.test(lower)) float = parseHexFloat(lower);
    if (Number.isNaN(float)) throw parseError(line, `illegal number syntax: "${text}"`);
    if (neg) float = -float;
    if (Number.isInteger(float) && Math.abs(float) < 2 ** 63) { isInt = true; int = BigInt(float); }
  }
  const looksFloat = !/^0x/.test(lower) && /[.eE]/.test(unsigned) || /p/.test(lower);
  const inRange = int >= -(2n ** 63n) && int < 2n ** 63n;
  // Past int64 an integer still fits uint64, failing only where an int is made of it; past that Go refuses it.
  const uint = int >= 0n && int < 2n ** 64n;
  if (isInt && !inRange && !looksFloat && !uint) throw parseError(line, `integer overflow: ${JSON.stringify(text)}`);
  if (isInt && !inRange) isInt = false;
  const overflows = !isInt && !looksFloat && uint;
  return { isInt, int, isFloat: true, float, text, overflows, ideal: isInt && !looksFloat ? int : float };
}

function parseHexFloat(s: string): number {
  const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?p([+-]?\d+)$/.exec(s);
  if (!m) return NaN;
  const mant = parseInt((m[1] || '0') + (m[2] ?? ''), 16) / 16 ** (m[2]?.length ?? 0);
  return mant * 2 ** Number(m[3]);
}
