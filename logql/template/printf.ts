// Go's fmt verbs for printf: flags, width, precision, and Go's %!verb(type=value) complaints.
import { quote } from '../../model/labels.ts';
import { ensureFits } from './limits.ts';
import { GoTime, Int64, type Value, formatFloat, formatV, isInt, intOf, typeName } from './values.ts';

// The print family checks its output against `max` (bytes, see limits.ts) operand by operand:
// each operand is bounded, but a call can repeat one many times.

// fmt.Sprint: a space goes between operands when neither side is a string.
export function sprint(args: Value[], max: number): string {
  let s = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') s += ' ';
    s += formatV(args[i]);
    ensureFits(s.length, max);
  }
  return s;
}

export function sprintln(args: Value[], max: number): string {
  let s = '';
  for (let i = 0; i < args.length; i++) {
    s += (i > 0 ? ' ' : '') + formatV(args[i]);
    ensureFits(s.length, max);
  }
  return s + '\n';
}

interface Spec { minus: boolean; plus: boolean; zero: boolean; space: boolean; sharp: boolean; width: number; prec: number; max: number }

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

// Go's parsenum: a width or precision that grows past 1e6 is taken for garbage, and the rest of
// the format with it (next is the end), so printf answers %!(NOVERB).
function parseNum(format: string, i: number): { num: number; next: number } {
  let num = -1;
  for (; i < format.length && isDigit(format.charCodeAt(i)); i++) {
    if (num > 1e6) return { num: -1, next: format.length };
    num = Math.max(num, 0) * 10 + format.charCodeAt(i) - 0x30;
  }
  return { num, next: i };
}

export function sprintf(format: string, args: Value[], max: number): string {
  let out = '';
  let ai = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') { out += c; continue; }
    const sp: Spec = { minus: false, plus: false, zero: false, space: false, sharp: false, width: -1, prec: -1, max };
    i++;
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') sp.minus = true;
      else if (f === '+') sp.plus = true;
      else if (f === '0') sp.zero = true;
      else if (f === ' ') sp.space = true;
      else if (f === '#') sp.sharp = true;
      else break;
    }
    ({ num: sp.width, next: i } = parseNum(format, i));
    if (format[i] === '.') {
      ({ num: sp.prec, next: i } = parseNum(format, i + 1));
      sp.prec = Math.max(sp.prec, 0);
    }
    const verb = format[i];
    if (verb === undefined) { out += '%!(NOVERB)'; break; }
    if (verb === '%') { out += '%'; continue; }
    if (ai >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    if (verb === 'T') { out += pad(args[ai] === null ? '<nil>' : typeName(args[ai]), sp, verb); ai++; continue; }
    // %#v is Go syntax and %+v names struct fields: neither flag means what it means for other verbs.
    const goSyntax = verb === 'v' && sp.sharp;
    if (verb === 'v') sp.sharp = sp.plus = false;
    out += goSyntax && typeof args[ai] === 'string' ? pad(quote(args[ai++] as string), sp, verb) : formatArg(verb, args[ai++], sp);
    ensureFits(out.length, max);
  }
  if (ai < args.length) {
    out += '%!(EXTRA ' + args.slice(ai).map((a) => `${typeName(a)}=${formatV(a)}`).join(', ') + ')';
  }
  return out;
}

function pad(s: string, sp: Spec, verb: string): string {
  const len = [...s].length;
  if (sp.width < 0 || len >= sp.width) return s;
  const fill = sp.width - len;
  ensureFits(s.length + fill, sp.max);
  if (sp.minus) return s + ' '.repeat(fill);
  // Zero padding goes after the sign, and only for numbers.
  if (sp.zero && 'dfeEgGxXobv'.includes(verb) && /^[+-]?[0-9.]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return ' '.repeat(fill) + s;
}

const bad = (verb: string, v: Value) => `%!${verb}(${typeName(v)}=${formatV(v)})`;

// fmt formats a slice or map element by element, each with the verb, width and flags: a width
// repeats for every element, so the output is checked as it grows.
function formatArg(verb: string, v: Value, sp: Spec, nested = false): string {
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      s += (i > 0 ? ' ' : '') + formatArg(verb, v[i], sp, true);
      ensureFits(s.length, sp.max);
    }
    return s + ']';
  }
  if (v instanceof Map || (v !== null && typeof v === 'object' && !(v instanceof GoTime) && !(v instanceof Int64))) {
    const m = v instanceof Map ? v : new Map(Object.entries(v));
    const keys = [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let s = 'map[';
    for (let i = 0; i < keys.length; i++) {
      s += `${i > 0 ? ' ' : ''}${formatArg(verb, keys[i], sp, true)}:${formatArg(verb, m.get(keys[i]) ?? null, sp, true)}`;
      ensureFits(s.length, sp.max);
    }
    return s + ']';
  }
  // a nil inside a slice or map is <nil> whatever the verb
  if (v === null && nested) return pad('<nil>', sp, 's');
  return pad(one(verb, v, sp), sp, verb);
}

function one(verb: string, v: Value, sp: Spec): string {
  if (isInt(v)) return intVerb(verb, intOf(v), sp, v);
  if (typeof v === 'number') return floatVerb(verb, v, sp);
  if (typeof v === 'string') return stringVerb(verb, v, sp);
  if (typeof v === 'boolean') return verb === 't' || verb === 'v' ? String(v) : bad(verb, v);
  if (v === null) return verb === 'v' || verb === 's' ? '<nil>' : `%!${verb}(<nil>)`;
  // time.Time is a Stringer: the verbs that take a string format its String().
  if (v instanceof GoTime && 'svqxX'.includes(verb)) return stringVerb(verb, formatV(v), sp);
  if (verb === 'v' || verb === 's') return formatV(v);
  return bad(verb, v);
}

function sign(neg: boolean, sp: Spec): string {
  return neg ? '-' : sp.plus ? '+' : sp.space ? ' ' : '';
}

function intVerb(verb: string, n: bigint, sp: Spec, orig: bigint | Int64): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  let digits: string;
  switch (verb) {
    case 'd': case 'v': digits = a.toString(); break;
    case 'x': digits = a.toString(16); if (sp.sharp) digits = '0x' + digits; break;
    case 'X': digits = a.toString(16).toUpperCase(); if (sp.sharp) digits = '0X' + digits; break;
    case 'o': digits = a.toString(8); if (sp.sharp) digits = '0' + digits; break;
    case 'b': digits = a.toString(2); break;
    case 'O': digits = '0o' + a.toString(8); break;
    case 'c': return String.fromCodePoint(Number(n));
    case 'U': {
      const u = 'U+' + a.toString(16).toUpperCase().padStart(4, '0');
      return sp.sharp ? `${u} '${String.fromCodePoint(Number(n))}'` : u;
    }
    case 'q': return "'" + String.fromCodePoint(Number(n)) + "'";
    case 'e': case 'f': case 'g': case 's': case 't': default: return bad(verb, orig);
  }
  if (sp.prec > digits.length) {
    ensureFits(sp.prec, sp.max);
    digits = digits.padStart(sp.prec, '0');
  }
  return sign(neg, sp) + digits;
}

function floatVerb(verb: string, f: number, sp: Spec): string {
  const neg = f < 0 || Object.is(f, -0);
  const a = Math.abs(f);
  let s: string;
  if (!Number.isFinite(a)) s = Number.isNaN(a) ? 'NaN' : 'Inf';
  else switch (verb) {
    case 'f': case 'F': s = a.toFixed(sp.prec < 0 ? 6 : sp.prec); break;
    case 'e': case 'E': s = expForm(a.toExponential(sp.prec < 0 ? 6 : sp.prec)); break;
    case 'g': case 'G': case 'v': s = sp.prec < 0 ? formatFloat(a) : gForm(a, sp.prec); break;
    default: return bad(verb, f);
  }
  if (verb === 'E' || verb === 'G') s = s.toUpperCase();
  if (Number.isNaN(f)) return sp.plus ? '+NaN' : 'NaN';
  return sign(neg, sp) + s;
}

// Go writes exponents with at least two digits: 1e+06.
function expForm(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function gForm(a: number, prec: number): string {
  const p = prec === 0 ? 1 : prec;
  const [mant, e] = a.toExponential(p - 1).split('e');
  const exp = Number(e);
  const trimmed = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
  const nd = trimmed.replace('.', '').length;
  let eprec = p;
  if (eprec > nd && nd >= exp + 1) eprec = nd;
  if (exp < -4 || exp >= eprec) return expForm(`${trimmed}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`);
  return String(Number(`${trimmed}e${exp}`));
}

function stringVerb(verb: string, s: string, sp: Spec): string {
  if (sp.prec >= 0 && (verb === 's' || verb === 'q' || verb === 'v')) s = [...s].slice(0, sp.prec).join('');
  switch (verb) {
    case 's': case 'v': return s;
    case 'q': return sp.sharp && !s.includes('`') ? '`' + s + '`' : quote(s);
    case 'x': return Buffer.from(s, 'utf8').toString('hex');
    case 'X': return Buffer.from(s, 'utf8').toString('hex').toUpperCase();
    default: return bad(verb, s);
  }
}

