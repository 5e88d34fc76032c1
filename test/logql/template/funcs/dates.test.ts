import test from 'ava';
import { render, type Case } from '../render.ts';

// Timestamps: TS is 2023-11-14T22:13:20.123456789Z.
const rows: [string, Case[]][] = [
  ['formatting with Go layouts', [
    ['{{ __timestamp__ | date "2006-01-02T15:04:05Z07:00" }}', '2023-11-14T22:13:20Z'],
    ['{{ __timestamp__ | date "2006-01-02T15:04:05.00Z-07:00" }}', '2023-11-14T22:13:20.12Z+00:00'],
    ['{{ __timestamp__ | date "Mon Jan _2 15:04:05 MST 2006" }}', 'Tue Nov 14 22:13:20 UTC 2023'],
    ['{{ __timestamp__ | date "Monday, January 2, 06" }}', 'Tuesday, November 14, 23'],
    ['{{ __timestamp__ | date "3:04PM" }}', '10:13PM'],
    ['{{ __timestamp__ | date "03:04:05 pm" }}', '10:13:20 pm'],
    ['{{ __timestamp__ | date "15:04:05.000000" }}', '22:13:20.123456'],
    ['{{ __timestamp__ | date "15:04:05.999999999" }}', '22:13:20.123456789'],
    ['{{ __timestamp__ | date "002 __2" }}', '318 318'],
    ['{{ __timestamp__ | date "1/2 -0700 -07" }}', '11/14 +0000 +00'],
    ['{{ date "2006-01-02" 0 }}', '1970-01-01'],
  ]],
  ['parsing with Go layouts', [
    ['{{ toDate "2006-01-02" "2021-11-02" }}', '2021-11-02 00:00:00 +0000 UTC'],
    ['{{ "2021-11-02T10:11:12.5Z" | toDate "2006-01-02T15:04:05.999999999Z" }}', '2021-11-02 10:11:12.5 +0000 UTC'],
    ['{{ toDate "2006-01-02T15:04:05Z07:00" "2021-11-02T10:11:12+02:00" | unixEpoch }}', '1635840672'],
    ['{{ toDate "Jan 2 2006 3:04PM" "Feb 3 2021 1:05PM" }}', '2021-02-03 13:05:00 +0000 UTC'],
    ['{{ toDate "2006-01-02 15:04:05" "2021-11-02 10:11:12.25" }}', '2021-11-02 10:11:12.25 +0000 UTC'],
    ['{{ toDate "2006-01-02" "not a date" }}', '0001-01-01 00:00:00 +0000 UTC'],
    ['{{ toDateInZone "2006-01-02" "UTC" "2021-11-02" }}', '2021-11-02 00:00:00 +0000 UTC'],
    ['{{ toDateInZone "2006-01-02 15:04" "America/New_York" "2023-01-04 10:00" }}', '2023-01-04 10:00:00 -0500 EST'],
    ['{{ toDateInZone "2006-01-02 15:04" "America/New_York" "2023-07-04 10:00" | unixEpoch }}', '1688479200'],
    ['{{ toDateInZone "2006-01-02" "No/Such_Zone" "2021-11-02" }}', '2021-11-02 00:00:00 +0000 UTC'],
    ['{{ toDateInZone "2006-01-02 15:04" "America/New_York" "2023-01-04 10:00" | date "15:04" }}', '15:00'],
  ]],
  // Loki 2.9's unixToTime, kept on top of 2.8
  ['unixToTime by the number of digits', [
    ['{{ unixToTime "19373" }}', '2023-01-16 00:00:00 +0000 UTC'],
    ['{{ unixToTime "1673798889" }}', '2023-01-15 16:08:09 +0000 UTC'],
    ['{{ unixToTime "1673798889902" }}', '2023-01-15 16:08:09.902 +0000 UTC'],
    ['{{ unixToTime "1673798889902000" }}', '2023-01-15 16:08:09.902 +0000 UTC'],
    ['{{ unixToTime "1673798889902000001" }}', '2023-01-15 16:08:09.902000001 +0000 UTC'],
  ]],
  ['epoch conversions', [
    ['{{ __timestamp__ | unixEpoch }}', '1700000000'],
    ['{{ __timestamp__ | unixEpochMillis }}', '1700000000123'],
    ['{{ __timestamp__ | unixEpochNanos }}', '1700000000123456789'],
    ['{{ toDate "2006-01-02" "1969-12-31" | unixEpochMillis }}', '-86400000'],
  ]],
];

for (const [family, cases] of rows) {
  test(`time functions handle ${family}`, (t) => {
    for (const [src, want] of cases) t.is(render(src), want, src);
  });
}

test('now is the current time and formats with date', (t) => {
  const before = Math.floor(Date.now() / 1000);
  const got = Number(render('{{ unixEpoch now }}'));
  t.true(got >= before && got <= before + 2);
  t.is(render('{{ date "2006" now }}'), String(new Date().getUTCFullYear()));
});
