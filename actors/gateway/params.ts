// The query API's parameters (time, bounds, limit, direction, step, match[]) read as Loki 2.8 reads them, with its messages.
import type { Direction } from '../../model/batch.ts';
import { msToNs } from '../../model/time.ts';
import { parsePromDuration } from '../../logql/parser/units.ts';
import { httpErrors } from '../http-error.ts';

const NS_PER_S = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const DEFAULT_LIMIT = 100;
const DEFAULT_SINCE = 3600n * NS_PER_S;
/** Points per series a range query may ask for (Loki: "60s resolution for a week"). */
const MAX_POINTS = 11000n;

export interface RangeQueryParams {
  query: string;
  /** Nanoseconds since the Unix epoch. */
  start: bigint;
  end: bigint;
  limit: number;
  direction: Direction;
  /** Nanoseconds. */
  step: bigint;
  /** Nanoseconds; absent when the client gave none. */
  interval?: bigint;
}

export interface InstantQueryParams {
  query: string;
  time: bigint;
  limit: number;
  direction: Direction;
}

export interface LabelsQueryParams {
  start: bigint;
  end: bigint;
  query?: string;
}

export interface TailQueryParams {
  query: string;
  /** ns; the first answer holds the newest `limit` entries from here to now. */
  start: bigint;
  limit: number;
  /** Seconds, 0 to 5. */
  delayFor: number;
}

export interface SeriesQueryParams {
  /** `match[]` and `match` together, deduplicated and sorted; empty for none or a lone `{}`. */
  match: string[];
  start: bigint;
  end: bigint;
}

const nsOf = (d: Date) => msToNs(d.getTime());
const get = (sp: URLSearchParams, name: string) => sp.get(name) ?? '';

/** `/loki/api/v1/query_range` (and the legacy `/api/prom/query`). */
export function parseRangeQuery(sp: URLSearchParams, now: Date): RangeQueryParams {
  const query = get(sp, 'query');
  const { start, end } = bounds(sp, now);
  if (end < start) throw httpErrors.endBeforeStart();
  const limit = parseLimit(get(sp, 'limit'));
  const direction = parseDirection(get(sp, 'direction'));
  const stepText = get(sp, 'step');
  const step = stepText === '' ? defaultStep(start, end) : parseSecondsOrDuration(stepText);
  if (step <= 0n) throw httpErrors.nonPositiveStep();
  if ((end - start) / step > MAX_POINTS) throw httpErrors.tooManyPoints();
  const out: RangeQueryParams = { query, start, end, limit, direction, step };
  const intervalText = get(sp, 'interval');
  if (intervalText !== '') {
    const interval = parseSecondsOrDuration(intervalText);
    if (interval < 0n) throw httpErrors.negativeInterval();
    out.interval = interval;
  }
  return out;
}

/** `/loki/api/v1/query`: `time` defaults to now. */
export function parseInstantQuery(sp: URLSearchParams, now: Date): InstantQueryParams {
  const query = get(sp, 'query');
  const limit = parseLimit(get(sp, 'limit'));
  const time = parseTime(get(sp, 'time'), nsOf(now));
  const direction = parseDirection(get(sp, 'direction'));
  return { query, time, limit, direction };
}

/** `/loki/api/v1/labels` and `/label/<name>/values`. */
export function parseLabelsQuery(sp: URLSearchParams, now: Date): LabelsQueryParams {
  const { start, end } = bounds(sp, now);
  const query = sp.get('query');
  return query === null || query === '' ? { start, end } : { start, end, query };
}

/** `/loki/api/v1/series`: Prometheus clients send `match[]`, older ones `match`; Loki takes both. */
export function parseSeriesQuery(sp: URLSearchParams, now: Date): SeriesQueryParams {
  const { start, end } = bounds(sp, now);
  let match = [...new Set([...sp.getAll('match'), ...sp.getAll('match[]')])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (match.length === 1 && match[0].replaceAll(' ', '') === '{}') match = [];
  return { match, start, end };
}

/** Loki's longest delay_for (maxDelayForInTailing). */
const MAX_DELAY_FOR_S = 5;

/** `/loki/api/v1/tail`, checked in Loki's order: limit, start (`end` and `since` as for a range), delay_for. */
export function parseTailQuery(sp: URLSearchParams, now: Date): TailQueryParams {
  const query = get(sp, 'query');
  const limit = parseLimit(get(sp, 'limit'));
  const { start } = bounds(sp, now);
  const text = get(sp, 'delay_for');
  // Loki keeps it as a uint32: a negative one wraps past the maximum
  const delay = text === '' ? 0n : goInt(text, 'strconv.Atoi');
  if (delay < 0n || delay > BigInt(MAX_DELAY_FOR_S)) throw httpErrors.badRequest(`delay_for can't be greater than ${MAX_DELAY_FOR_S}`);
  return { query, start, limit, delayFor: Number(delay) };
}

/**
 * `end` defaults to now; `start` to `since` (default 1h) before end, or before
 * now when end is in the future, so a future end still shows the last hour.
 */
function bounds(sp: URLSearchParams, now: Date): { start: bigint; end: bigint } {
  const nowNs = nsOf(now);
  let since = DEFAULT_SINCE;
  const sinceText = get(sp, 'since');
  if (sinceText !== '') since = wrap('since', () => parsePromDuration(sinceText));
  const end = wrap('end', () => parseTime(get(sp, 'end'), nowNs));
  const endOrNow = end > nowNs ? nowNs : end;
  const start = wrap('start', () => parseTime(get(sp, 'start'), endOrNow - since));
  return { start, end };
}

function wrap<T>(param: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw httpErrors.badRequest(`could not parse '${param}' parameter: ${(err as Error).message}`, err);
  }
}

/** Loki's defaultQueryRangeStep: a 250th of the range in whole seconds, at least 1s. */
function defaultStep(start: bigint, end: bigint): bigint {
  const seconds = Math.max(Math.floor(Number(end - start) / 1e9 / 250), 1);
  return BigInt(seconds) * NS_PER_S;
}

export function parseLimit(value: string): number {
  if (value === '') return DEFAULT_LIMIT;
  const n = goInt(value, 'strconv.Atoi');
  if (n <= 0n) throw httpErrors.nonPositiveLimit();
  return Number(n);
}

export function parseDirection(value: string): Direction {
  if (value === '') return 'backward';
  const v = value.toUpperCase();
  if (v === 'FORWARD') return 'forward';
  if (v === 'BACKWARD') return 'backward';
  throw httpErrors.invalidDirection(value);
}

/**
 * A timestamp as Loki reads one, in nanoseconds: empty → `def`; with a `.` and
 * numeric → float seconds (fraction rounded to the millisecond); an integer of
 * at most 10 characters → seconds, longer → nanoseconds; else RFC3339(Nano).
 * A failure says what Go's strconv.ParseInt said, as Loki does.
 */
export function parseTime(value: string | null | undefined, def: bigint): bigint {
  if (value === null || value === undefined || value === '') return def;
  const t = value.includes('.') && FLOAT.test(value) ? Number(value) : NaN;
  if (Number.isFinite(t)) {
    const whole = Math.trunc(t);
    const frac = goRound((t - whole) * 1000) / 1000;
    return BigInt(whole) * NS_PER_S + BigInt(Math.trunc(frac * 1e9));
  }
  if (!INT.test(value)) {
    const t = parseRfc3339(value);
    if (t !== undefined) return t;
  }
  const n = goInt(value, 'strconv.ParseInt');
  return value.length <= 10 ? n * NS_PER_S : n;
}

/** Loki's step and interval: float seconds, else a Prometheus duration. Nanoseconds. */
export function parseSecondsOrDuration(value: string): bigint {
  if (FLOAT.test(value) || /^[+-]?(inf|infinity)$/i.test(value)) {
    const ns = Number(value) * 1e9;
    if (ns > 2 ** 63 || ns < -(2 ** 63))
      throw httpErrors.badRequest(`cannot parse ${goQuote(value)} to a valid duration. It overflows int64`);
    return BigInt(Math.trunc(ns));
  }
  if (/^[+-]?nan$/i.test(value)) return INT64_MIN; // Go turns NaN into the lowest Duration on amd64
  try {
    return parsePromDuration(value);
  } catch {
    throw httpErrors.badRequest(`cannot parse ${goQuote(value)} to a valid duration`);
  }
}

// ---- Go's number and time syntax, as far as these parameters need it ----

/** What strconv.ParseFloat accepts in decimal form (hex floats and inf/nan aside). */
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;

/** strconv.ParseInt(value, 10, 64) / Atoi, with Go's error text. */
function goInt(value: string, fn: string): bigint {
  if (!INT.test(value)) throw httpErrors.badRequest(`${fn}: parsing ${goQuote(value)}: invalid syntax`);
  const n = BigInt(value);
  if (n > INT64_MAX || n < INT64_MIN) throw httpErrors.badRequest(`${fn}: parsing ${goQuote(value)}: value out of range`);
  return n;
}

/** Go's math.Round: halves away from zero (JS rounds them up). */
const goRound = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));

/** Go's %q for the printable strings a URL parameter usually holds. */
const goQuote = (s: string) => JSON.stringify(s);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** time.Parse(time.RFC3339Nano, s): fraction optional (extra digits beyond 9 dropped), `Z` or ±hh:mm. */
export function parseRfc3339(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, min, sec] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || min > 59 || sec > 59) return undefined;
  let offset = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - offset;
  const frac = m[7] ? BigInt((m[7] + '00000000').slice(0, 9)) : 0n;
  return BigInt(seconds) * NS_PER_S + frac;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => (m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
