// Time functions: sprig's date/toDate/now/unixEpoch and Loki's toDateInZone, unixEpochMillis/Nanos, __timestamp__.
import { TemplateError } from '../errors.ts';
import { type Chunk, LayoutError, parseTime, splitLayout, formatTime } from '../layout.ts';
import { GoTime, Int64, type Value, splitNs } from '../values.ts';
import { def, type FuncMap } from './types.ts';

const NS = 1_000_000_000n;
// Go's zero time.Time, which toDate returns when parsing fails.
export const ZERO_TIME = new GoTime(-62135596800n * NS, 0, 'UTC');

// Layouts are usually constants: split each once.
const layouts = new Map<string, Chunk[]>();
function layout(s: string): Chunk[] {
  let c = layouts.get(s);
  if (!c) {
    if (layouts.size > 256) layouts.clear();
    c = splitLayout(s);
    layouts.set(s, c);
  }
  return c;
}

// Muninn runs with Local = UTC, as Loki's images do.
const UTC = { offsetAt: () => 0, name: () => 'UTC' };

// IANA zones through Intl: the offset at a wall-clock time and Go-like abbreviations (also the agent's timestamp stage's `location`).
export function zoneOf(name: string) {
  if (name === '' || name === 'UTC' || name === 'Local') return UTC;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    return UTC;
  }
  const offsetAtInstant = (sec: number) => {
    const parts = Object.fromEntries(fmt.formatToParts(new Date(sec * 1000)).map((p) => [p.type, p.value]));
    const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second)) / 1000;
    return wall - sec;
  };
  return {
    offsetAt: (wall: number) => {
      const guess = offsetAtInstant(wall);
      return offsetAtInstant(wall - guess);
    },
    name: (off: number) => {
      for (const locale of ['en-US', 'en-GB']) {
        const p = new Intl.DateTimeFormat(locale, { timeZone: name, timeZoneName: 'short' }).formatToParts(new Date()).find((x) => x.type === 'timeZoneName')?.value;
        if (p && /^[A-Z]{3,5}$/.test(p) && !p.startsWith('GMT')) return p;
      }
      const a = Math.abs(off);
      const hh = String(Math.floor(a / 3600)).padStart(2, '0');
      const mm = Math.floor(a / 60) % 60;
      return (off < 0 ? '-' : '+') + hh + (mm ? String(mm).padStart(2, '0') : '');
    },
  };
}

function parseIn(fmt: string, zone: string, s: string): GoTime {
  try {
    return parseTime(layout(fmt), s, zoneOf(zone));
  } catch (e) {
    if (e instanceof LayoutError) return ZERO_TIME;
    throw e;
  }
}

// sprig's date: a time, or int seconds since the epoch, else now; shown in Local (UTC).
function date(fmt: string, v: Value): string {
  let t: GoTime;
  if (v instanceof GoTime) t = v;
  else if (typeof v === 'bigint') t = new GoTime(v * NS);
  else if (v instanceof Int64) t = new GoTime(v.v * NS);
  else t = now();
  return formatTime(new GoTime(t.ns, 0, 'UTC'), layout(fmt));
}

/** Loki 2.9's unixToTime, kept on top of 2.8: the digit count says the unit (days, s, ms, µs, ns). */
function unixToTime(epoch: string): GoTime {
  const v = /^[+-]?[0-9]+$/.test(epoch) ? BigInt(epoch) : null;
  if (v === null) throw new TemplateError(`unable to parse time '${epoch}': strconv.ParseInt: parsing ${JSON.stringify(epoch)}: invalid syntax`);
  switch (epoch.length) {
    case 5: return new GoTime(v * 86400n * NS, 0, 'UTC');
    case 10: return new GoTime(v * NS, 0, 'UTC');
    case 13: return new GoTime(v * 1_000_000n, 0, 'UTC');
    case 16: return new GoTime(v * 1000n, 0, 'UTC');
    case 19: return new GoTime(v, 0, 'UTC');
    default: throw new TemplateError(`unable to parse time '${epoch}': <nil>`);
  }
}

const now = () => new GoTime(BigInt(Date.now()) * 1_000_000n, 0, 'UTC');
const t = (v: Value) => v as GoTime;

export const dateFuncs: FuncMap = {
  date: def(['string', 'any'], ([f, v]) => date(f as string, v)),
  toDate: def(['string', 'string'], ([f, s]) => parseIn(f as string, 'UTC', s as string)),
  toDateInZone: def(['string', 'string', 'string'], ([f, z, s]) => parseIn(f as string, z as string, s as string)),
  now: def([], () => now()),
  unixToTime: def(['string'], ([s]) => unixToTime(s as string)),
  unixEpoch: def(['time'], ([v]) => splitNs(t(v).ns).sec.toString()),
  unixEpochMillis: def(['time'], ([v]) => { const ns = t(v).ns; return (ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n)).toString(); }),
  unixEpochNanos: def(['time'], ([v]) => t(v).ns.toString()),
  __timestamp__: def([], (_a, ctx) => new GoTime(ctx.ts, 0, 'UTC')),
  __line__: def([], (_a, ctx) => ctx.line),
};
