// text/template's own functions: comparisons, not, len, index, slice, print family and escapers.
import { byteSlice } from '../bytes.ts';
import { TemplateError } from '../errors.ts';
import { sprint, sprintf, sprintln } from '../printf.ts';
import { GoTime, Int64, type Value, intOf, isInt, truth as truthy, typeName } from '../values.ts';
import { def, type FuncMap } from './types.ts';

type Kind = 'int' | 'float' | 'string' | 'bool' | 'nil' | 'other';
const kind = (v: Value): Kind =>
  v === null ? 'nil' : isInt(v) ? 'int' : typeof v === 'number' ? 'float' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : 'other';

const incompatible = () => new TemplateError('incompatible types for comparison');

function eq2(a: Value, b: Value): boolean {
  const ka = kind(a);
  const kb = kind(b);
  if (ka === 'nil' || kb === 'nil') return ka === kb;
  if (ka !== kb) throw incompatible();
  switch (ka) {
    case 'int': return intOf(a as bigint | Int64) === intOf(b as bigint | Int64);
    case 'other':
      if (a instanceof GoTime && b instanceof GoTime) return a.ns === b.ns && a.offset === b.offset && a.zone === b.zone;
      // an error's text, as long as the value it shows, which the line or a label bounds
      throw new TemplateError(`non-comparable type ${sprintf('%s', [b], Infinity)}: ${typeName(b)}`);
    default: return a === b;
  }
}

function less(a: Value, b: Value): boolean {
  const ka = kind(a);
  const kb = kind(b);
  if (ka === 'bool' || ka === 'other' || ka === 'nil') throw new TemplateError('invalid type for comparison');
  if (ka !== kb) throw incompatible();
  if (ka === 'int') return intOf(a as bigint | Int64) < intOf(b as bigint | Int64);
  return (a as number | string) < (b as number | string);
}

function len(v: Value): bigint {
  if (typeof v === 'string') return BigInt(Buffer.byteLength(v));
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof Map) return BigInt(v.size);
  if (v !== null && typeof v === 'object' && !(v instanceof GoTime) && !(v instanceof Int64)) return BigInt(Object.keys(v).length);
  // Go asks a missing value for its type, and reports reflect's panic
  if (v === null) throw new TemplateError('reflect: call of reflect.Value.Type on zero Value');
  throw new TemplateError(`len of type ${typeName(v)}`);
}

// Go's indexArg: an index may equal the length (a slice bound), never exceed it.
function indexArg(i: Value, cap: number): number {
  if (i === null) throw new TemplateError('cannot index slice/array with nil');
  if (!isInt(i)) throw new TemplateError(`cannot index slice/array with type ${typeName(i)}`);
  const n = Number(intOf(i));
  if (n < 0 || n > cap) throw new TemplateError(`index out of range: ${n}`);
  return n;
}

function index(args: Value[]): Value {
  let v = args[0];
  if (v === null) throw new TemplateError('index of untyped nil');
  for (let k = 1; k < args.length; k++) {
    const i = args[k];
    // a nil a map held, reached by an earlier index
    if (v === null) throw new TemplateError('index of nil pointer');
    if (typeof v === 'string') {
      const b: Buffer = Buffer.from(v, 'utf8');
      const n = indexArg(i, b.length);
      // indexArg lets the length through; reflect then panics, and the template reports the panic
      if (n === b.length) throw new TemplateError('reflect: string index out of range');
      v = BigInt(b[n]);
      continue;
    }
    if (Array.isArray(v)) {
      const n = indexArg(i, v.length);
      if (n === v.length) throw new TemplateError('reflect: slice index out of range');
      v = v[n];
      continue;
    }
    if (v instanceof Map) {
      if (typeof i !== 'string') throw new TemplateError(i === null ? 'value is nil; should be of type string' : `value has type ${typeName(i)}; should be string`);
      v = v.get(i) ?? null; continue;
    }
    if (typeof v === 'object' && !(v instanceof GoTime) && !(v instanceof Int64)) {
      if (typeof i !== 'string') throw new TemplateError(i === null ? 'value is nil; should be of type string' : `value has type ${typeName(i)}; should be string`);
      const o = v as Record<string, string>;
      v = Object.hasOwn(o, i) ? o[i] : ''; continue;
    }
    throw new TemplateError(`can't index item of type ${typeName(v)}`);
  }
  return v;
}

function slice(args: Value[]): Value {
  const v = args[0];
  if (v === null) throw new TemplateError('slice of untyped nil');
  const given = args.slice(1);
  if (given.length > 3) throw new TemplateError(`too many slice indexes: ${given.length}`);
  let len: number;
  if (typeof v === 'string') {
    if (given.length === 3) throw new TemplateError('cannot 3-index slice a string');
    len = Buffer.byteLength(v);
  } else if (Array.isArray(v)) len = v.length;
  else throw new TemplateError(`can't slice item of type ${typeName(v)}`);
  const idx = [0, len, len];
  given.forEach((i, k) => { idx[k] = indexArg(i, len); });
  if (idx[0] > idx[1]) throw new TemplateError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (given.length === 3 && idx[1] > idx[2]) throw new TemplateError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  return typeof v === 'string' ? byteSlice(v, idx[0], idx[1]) : (v as Value[]).slice(idx[0], idx[1]);
}

// Nothing a Loki template reaches is a function, so call always fails, as Go's does.
function call([fn]: Value[]): Value {
  if (fn === null) throw new TemplateError('call of nil');
  throw new TemplateError(`non-function of type ${typeName(fn)}`);
}

// html/template-free escapers from text/template.
const HTML: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };
const htmlEscape = (s: string) => s.replace(/["'&<>\0]/g, (c) => HTML[c]);
const JS: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
// Controls, and beyond ASCII what Go's unicode.IsPrint refuses (U+2028, U+00A0...), become \uXXXX.
const jsEscape = (s: string) =>
  s.replace(/[\\'"<>&=\x00-\x1f]|[^\x00-\x7f\p{L}\p{M}\p{N}\p{P}\p{S}]/gu, (c) => JS[c] ?? '\\u' + c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0'));
// url.QueryEscape: space becomes +, unreserved kept.
export const queryEscape = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, '+');
// The escapers print a lone string as is and anything else with fmt.Sprint.
const evalArgs = (args: Value[], max: number) =>
  args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args.map((a) => (a === null ? '<no value>' : a)), max);

export const builtins: FuncMap = {
  // and/or are special-cased in the executor for their short-circuit.
  and: def(['any'], () => null, 'any'),
  or: def(['any'], () => null, 'any'),
  not: def(['any'], ([a]) => !truthy(a)),
  eq: def(['any'], (args) => {
    if (args.length < 2) throw new TemplateError('missing argument for comparison');
    for (let i = 1; i < args.length; i++) if (eq2(args[0], args[i])) return true;
    return false;
  }, 'any'),
  ne: def(['any', 'any'], ([a, b]) => !eq2(a, b)),
  lt: def(['any', 'any'], ([a, b]) => less(a, b)),
  le: def(['any', 'any'], ([a, b]) => less(a, b) || eq2(a, b)),
  gt: def(['any', 'any'], ([a, b]) => !less(a, b) && !eq2(a, b)),
  ge: def(['any', 'any'], ([a, b]) => !less(a, b)),
  len: def(['any'], ([a]) => len(a)),
  index: def(['any'], index, 'any'),
  slice: def(['any'], slice, 'any'),
  call: def(['any'], call, 'any'),
  print: def([], (args, _, max) => sprint(args, max), 'any'),
  printf: def(['string'], ([f, ...rest], _, max) => sprintf(f as string, rest, max), 'any'),
  println: def([], (args, _, max) => sprintln(args, max), 'any'),
  html: def([], (args, _, max) => htmlEscape(evalArgs(args, max)), 'any'),
  js: def([], (args, _, max) => jsEscape(evalArgs(args, max)), 'any'),
  urlquery: def([], (args, _, max) => queryEscape(evalArgs(args, max)), 'any'),
};
