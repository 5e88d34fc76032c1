// Go's value model as templates see it: which JS value stands for which Go type, truth, and %v printing.

// Go int is a bigint; Go int64 (sprig's add/sub/...) is boxed so `trunc (add 1 2)` fails as in Go.
export class Int64 {
  constructor(readonly v: bigint) {}
}

// A time.Time: nanoseconds since the epoch plus the zone it is shown in.
export class GoTime {
  constructor(readonly ns: bigint, readonly offset = 0, readonly zone = 'UTC') {}
}

// map[string]interface{} (fromJson); a plain object is the labels map[string]string.
export type GoMap = Map<string, Value>;
export type Labels = Record<string, string>;

export type Value = string | boolean | number | bigint | Int64 | GoTime | GoMap | Value[] | Labels | null;

export const isInt = (v: Value): v is bigint | Int64 => typeof v === 'bigint' || v instanceof Int64;
export const intOf = (v: bigint | Int64): bigint => (typeof v === 'bigint' ? v : v.v);

export function typeName(v: Value): string {
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'bool';
    case 'number': return 'float64';
    case 'bigint': return 'int';
  }
  if (v instanceof Int64) return 'int64';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof Map) return 'map[string]interface {}';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]string';
}

// Go's isTrue: zero values and empty containers are false.
export function truth(v: Value): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'string': return v.length > 0;
    case 'boolean': return v;
    case 'number': return v !== 0;
    case 'bigint': return v !== 0n;
  }
  if (v instanceof Int64) return v.v !== 0n;
  if (v instanceof GoTime) return true;
  if (v instanceof Map) return v.size > 0;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

// strconv.FormatFloat(f, 'g', -1, 64), which fmt's %v uses: shortest digits, exponent form when exp < -4 or >= 6.
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, e] = f.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return f.toFixed(Math.max(0, (mant.split('.')[1]?.length ?? 0) - exp));
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

// time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST".
export function timeString(t: GoTime): string {
  const { sec, nsec } = splitNs(t.ns + BigInt(t.offset) * 1_000_000_000n);
  const d = new Date(Number(sec) * 1000);
  const y = d.getUTCFullYear();
  let s = `${y < 0 ? '-' + pad(-y, 4) : pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (nsec !== 0) s += '.' + pad(nsec, 9).replace(/0+$/, '');
  const off = Math.abs(t.offset) / 60;
  const num = `${t.offset < 0 ? '-' : '+'}${pad(Math.floor(off / 60), 2)}${pad(off % 60, 2)}`;
  s += ` ${num} ${t.zone || num}`;
  return s;
}

export function splitNs(ns: bigint): { sec: bigint; nsec: number } {
  let sec = ns / 1_000_000_000n;
  let nsec = Number(ns % 1_000_000_000n);
  if (nsec < 0) { nsec += 1_000_000_000; sec -= 1n; }
  return { sec, nsec };
}

// fmt's %v: what an action prints and what print/printf %v show.
export function formatV(v: Value): string {
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string': return v;
    case 'boolean': return v ? 'true' : 'false';
    case 'number': return formatFloat(v);
    case 'bigint': return v.toString();
  }
  if (v instanceof Int64) return v.v.toString();
  if (v instanceof GoTime) return timeString(v);
  if (Array.isArray(v)) return '[' + v.map((x) => formatV(x)).join(' ') + ']';
  const keys = v instanceof Map ? [...v.keys()] : Object.keys(v);
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const get = v instanceof Map ? (k: string) => v.get(k) ?? null : (k: string) => (v as Labels)[k];
  return 'map[' + keys.map((k) => `${k}:${formatV(get(k))}`).join(' ') + ']';
}
