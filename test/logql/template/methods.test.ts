import test from 'ava';
import { render, type Case } from './render.ts';

// TS is 2023-11-14T22:13:20.123456789Z.
const rows: Case[] = [
  ['{{ __timestamp__.Unix }}', '1700000000'],
  ['{{ __timestamp__.UnixMilli }}', '1700000000123'],
  ['{{ __timestamp__.UnixNano }}', '1700000000123456789'],
  ['{{ __timestamp__.Format "2006-01-02" }}', '2023-11-14'],
  ['{{ "15:04" | __timestamp__.Format }}', '22:13'],
  ['{{ __timestamp__.Year }}-{{ __timestamp__.Month }}-{{ __timestamp__.Day }}', '2023-November-14'],
  ['{{ __timestamp__.Weekday }} {{ __timestamp__.YearDay }}', 'Tuesday 318'],
  ['{{ __timestamp__.Hour }}:{{ __timestamp__.Minute }}:{{ __timestamp__.Second }}.{{ __timestamp__.Nanosecond }}', '22:13:20.123456789'],
  ['{{ (toDateInZone "2006-01-02 15:04" "America/New_York" "2023-01-04 10:00").UTC }}', '2023-01-04 15:00:00 +0000 UTC'],
  ['{{ $t := toDate "2006" "2020" }}{{ $t.Year }}', '2020'],
];

test('time values answer Go\'s time.Time methods', (t) => {
  for (const [src, want] of rows) t.is(render(src), want, src);
});

test('an unknown time method is an execution error', (t) => {
  t.throws(() => render('{{ __timestamp__.Nope }}'), { message: /can't evaluate field Nope in type time.Time/ });
  t.throws(() => render('{{ __timestamp__.Format }}'), { message: /wrong number of args for Format: want 1 got 0/ });
});
