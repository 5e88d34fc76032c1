// The time.Time methods a template can call on __timestamp__, now or toDate's result: {{ __timestamp__.Unix }}.
import { formatTime, splitLayout } from './layout.ts';
import { GoTime, Int64, type Value, splitNs, timeString } from './values.ts';
import { MONTHS, DAYS } from './layout.ts';
import type { Param } from './funcs/types.ts';

interface Method { params: Param[]; fn: (t: GoTime, args: Value[]) => Value }

const wall = (t: GoTime) => {
  const { sec, nsec } = splitNs(t.ns + BigInt(t.offset) * 1_000_000_000n);
  return { d: new Date(Number(sec) * 1000), nsec };
};

// Month and Weekday are Go named types that print as names; here they are those names.
export const timeMethods: Record<string, Method> = {
  Unix: { params: [], fn: (t) => new Int64(splitNs(t.ns).sec) },
  UnixMilli: { params: [], fn: (t) => new Int64(t.ns / 1_000_000n - (t.ns % 1_000_000n < 0n ? 1n : 0n)) },
  UnixMicro: { params: [], fn: (t) => new Int64(t.ns / 1000n - (t.ns % 1000n < 0n ? 1n : 0n)) },
  UnixNano: { params: [], fn: (t) => new Int64(t.ns) },
  Year: { params: [], fn: (t) => BigInt(wall(t).d.getUTCFullYear()) },
  Month: { params: [], fn: (t) => MONTHS[wall(t).d.getUTCMonth()] },
  Day: { params: [], fn: (t) => BigInt(wall(t).d.getUTCDate()) },
  Weekday: { params: [], fn: (t) => DAYS[wall(t).d.getUTCDay()] },
  Hour: { params: [], fn: (t) => BigInt(wall(t).d.getUTCHours()) },
  Minute: { params: [], fn: (t) => BigInt(wall(t).d.getUTCMinutes()) },
  Second: { params: [], fn: (t) => BigInt(wall(t).d.getUTCSeconds()) },
  Nanosecond: { params: [], fn: (t) => BigInt(wall(t).nsec) },
  YearDay: {
    params: [],
    fn: (t) => {
      const d = wall(t).d;
      return BigInt(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1);
    },
  },
  UTC: { params: [], fn: (t) => new GoTime(t.ns, 0, 'UTC') },
  String: { params: [], fn: (t) => timeString(t) },
  Format: { params: ['string'], fn: (t, [layout]) => formatTime(t, splitLayout(layout as string)) },
};
