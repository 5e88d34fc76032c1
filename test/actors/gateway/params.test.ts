// The query API reads times, bounds, limits, directions, steps and matchers as Loki does, with Loki's errors.
import test from 'ava';
import { HttpError } from '../../../actors/http-error.ts';
import {
  parseInstantQuery,
  parseLabelsQuery,
  parseRangeQuery,
  parseSecondsOrDuration,
  parseSeriesQuery,
  parseTime,
} from '../../../actors/gateway/params.ts';
import { parsePromDuration } from '../../../logql/parser/units.ts';

const now = new Date('2024-01-02T03:04:05.678Z');
const NOW = 1704164645678000000n;
const S = 1_000_000_000n;
const sp = (q: Record<string, string | string[]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p;
};
const rfc = (iso: string, extraNs = 0n) => BigInt(Date.parse(iso)) * 1_000_000n + extraNs;

const times: Array<[string, string, bigint]> = [
  ['an integer of 10 characters is seconds', '1704164645', 1704164645n * S],
  ['a short integer is seconds', '60', 60n * S],
  ['a negative short integer is seconds', '-1', -S],
  ['zero is the epoch', '0', 0n],
  ['an integer of 11 or more characters is nanoseconds', '12345678901', 12345678901n],
  ['a nanosecond integer is exact', '1704164645678123456', 1704164645678123456n],
  ['a float is seconds', '1704164645.5', 1704164645500000000n],
  ['a float keeps milliseconds', '1704164645.678', 1704164645678000000n],
  ['a float is rounded to the millisecond, as Loki does', '1704164645.6786', 1704164645679000000n],
  ['a float with an exponent and a point is seconds', '1.5e3', 1500n * S],
  ['a negative float is seconds before the epoch', '-1.5', -1500000000n],
  ['RFC3339 in UTC', '2024-01-02T03:04:05Z', rfc('2024-01-02T03:04:05Z')],
  ['RFC3339 with an offset', '2024-01-02T05:04:05+02:00', rfc('2024-01-02T03:04:05Z')],
  ['RFC3339 with a negative offset', '2024-01-01T22:34:05-04:30', rfc('2024-01-02T03:04:05Z')],
  ['RFC3339Nano keeps nanoseconds', '2024-01-02T03:04:05.123456789Z', rfc('2024-01-02T03:04:05Z', 123456789n)],
  ['RFC3339 with a short fraction', '2024-01-02T03:04:05.5Z', rfc('2024-01-02T03:04:05Z', 500000000n)],
  ['RFC3339 beyond nanoseconds is truncated', '2024-01-02T03:04:05.1234567899Z', rfc('2024-01-02T03:04:05Z', 123456789n)],
  ['RFC3339 on a leap day', '2024-02-29T00:00:00Z', rfc('2024-02-29T00:00:00Z')],
  ['RFC3339 before 1970', '1969-12-31T23:59:59Z', -S],
];

for (const [what, value, want] of times)
  test(`parseTime: ${what} (${value})`, (t) => {
    t.is(parseTime(value, 7n), want);
  });

test('parseTime returns the default for an empty or absent value', (t) => {
  t.is(parseTime('', 7n), 7n);
  t.is(parseTime(undefined, 7n), 7n);
  t.is(parseTime(null, 7n), 7n);
});

const badTimes: Array<[string, string, string]> = [
  ['a word', 'yesterday', 'strconv.ParseInt: parsing "yesterday": invalid syntax'],
  ['an exponent without a point', '1e3', 'strconv.ParseInt: parsing "1e3": invalid syntax'],
  ['an integer beyond int64', '99999999999999999999', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
  ['month 13', '2024-13-01T00:00:00Z', 'strconv.ParseInt: parsing "2024-13-01T00:00:00Z": invalid syntax'],
  ['29 February of a common year', '2023-02-29T00:00:00Z', 'strconv.ParseInt: parsing "2023-02-29T00:00:00Z": invalid syntax'],
  ['a date without a zone', '2024-01-02T03:04:05', 'strconv.ParseInt: parsing "2024-01-02T03:04:05": invalid syntax'],
  ['a date alone', '2024-01-02', 'strconv.ParseInt: parsing "2024-01-02": invalid syntax'],
];

for (const [what, value, message] of badTimes)
  test(`parseTime refuses ${what} with 400 and Go's message`, (t) => {
    const err = t.throws(() => parseTime(value, 0n), { instanceOf: HttpError });
    t.is(err?.status, 400);
    t.is(err?.message, message);
  });

test('durations in step and interval are float seconds or Prometheus durations', (t) => {
  t.is(parseSecondsOrDuration('30'), 30n * S);
  t.is(parseSecondsOrDuration('0.25'), 250_000_000n);
  t.is(parseSecondsOrDuration('5m'), 300n * S);
  t.is(parseSecondsOrDuration('1h30m'), 5400n * S);
  t.is(parseSecondsOrDuration('1d'), 86400n * S);
  t.is(parseSecondsOrDuration('1w'), 7n * 86400n * S);
  t.is(parseSecondsOrDuration('1y'), 365n * 86400n * S);
  t.is(parseSecondsOrDuration('100ms'), 100_000_000n);
  t.is(parseSecondsOrDuration('-5'), -5n * S);
});

test('Prometheus durations refuse fractions, wrong unit order and emptiness with its messages', (t) => {
  t.is(parsePromDuration('0'), 0n);
  t.is(t.throws(() => parsePromDuration('1.5h'))?.message, 'not a valid duration string: "1.5h"');
  t.is(t.throws(() => parsePromDuration('30m1h'))?.message, 'not a valid duration string: "30m1h"');
  t.is(t.throws(() => parsePromDuration(''))?.message, 'empty duration string');
  t.is(t.throws(() => parsePromDuration('300y'))?.message, 'duration out of range');
});

test('a range query without parameters covers the last hour, 100 lines, backward, step a 250th of the range', (t) => {
  t.deepEqual(parseRangeQuery(sp({ query: '{a="b"}' }), now), {
    query: '{a="b"}',
    start: NOW - 3600n * S,
    end: NOW,
    limit: 100,
    direction: 'backward',
    step: 14n * S,
  });
});

test('a range query reads start, end, limit, direction, step and interval', (t) => {
  const q = parseRangeQuery(
    sp({ query: 'rate({a="b"}[1m])', start: '1704067200', end: '2024-01-02T00:00:00Z', limit: '5000', direction: 'FORWARD', step: '5m', interval: '10s' }),
    now,
  );
  t.deepEqual(q, {
    query: 'rate({a="b"}[1m])',
    start: 1704067200n * S,
    end: 1704153600n * S,
    limit: 5000,
    direction: 'forward',
    step: 300n * S,
    interval: 10n * S,
  });
});

test('the default step grows with the range and is never below one second', (t) => {
  t.is(parseRangeQuery(sp({ start: '0', end: '86400' }), now).step, 345n * S);
  t.is(parseRangeQuery(sp({ start: '100', end: '100' }), now).step, S);
});

test('since sets start that long before end', (t) => {
  const q = parseRangeQuery(sp({ since: '5m', end: '1704164000' }), now);
  t.is(q.start, 1704164000n * S - 300n * S);
  t.is(q.end, 1704164000n * S);
});

test('with an end in the future, the default start counts back from now', (t) => {
  const q = parseRangeQuery(sp({ end: String(NOW + 7200n * S), since: '30m' }), now);
  t.is(q.start, NOW - 1800n * S);
  t.is(q.end, NOW + 7200n * S);
});

test('a range query may start and end at the same moment', (t) => {
  const q = parseRangeQuery(sp({ start: '100', end: '100' }), now);
  t.is(q.start, q.end);
});

test('direction is read without regard to case', (t) => {
  t.is(parseRangeQuery(sp({ direction: 'forward' }), now).direction, 'forward');
  t.is(parseRangeQuery(sp({ direction: 'Backward' }), now).direction, 'backward');
});

const badRanges: Array<[string, Record<string, string>, string]> = [
  ['an end before the start', { start: '200', end: '100' }, 'end timestamp must not be before or equal to start time'],
  ['a zero limit', { limit: '0' }, 'limit must be a positive value'],
  ['a negative limit', { limit: '-3' }, 'limit must be a positive value'],
  ['a limit that is not a number', { limit: 'ten' }, 'strconv.Atoi: parsing "ten": invalid syntax'],
  ['a fractional limit', { limit: '1.5' }, 'strconv.Atoi: parsing "1.5": invalid syntax'],
  ['an unknown direction', { direction: 'sideways' }, "invalid direction 'sideways'"],
  ['a zero step', { step: '0' }, 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
  ['a negative step', { step: '-10' }, 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
  ['a step that is no duration', { step: 'often' }, 'cannot parse "often" to a valid duration'],
  ['a step that overflows', { step: '1e300' }, 'cannot parse "1e300" to a valid duration. It overflows int64'],
  ['too many points', { start: '0', end: '14400', step: '1' }, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
  ['a negative interval', { interval: '-1' }, 'interval must be >= 0'],
  ['an interval that is no duration', { interval: 'x' }, 'cannot parse "x" to a valid duration'],
  ['a since that is no duration', { since: 'an hour' }, `could not parse 'since' parameter: not a valid duration string: "an hour"`],
  ['a fractional since', { since: '1.5h' }, `could not parse 'since' parameter: not a valid duration string: "1.5h"`],
  ['a bad start', { start: 'dawn' }, `could not parse 'start' parameter: strconv.ParseInt: parsing "dawn": invalid syntax`],
  ['a bad end', { end: 'dusk' }, `could not parse 'end' parameter: strconv.ParseInt: parsing "dusk": invalid syntax`],
];

for (const [what, q, message] of badRanges)
  test(`a range query with ${what} is refused with 400 and Loki's message`, (t) => {
    const err = t.throws(() => parseRangeQuery(sp(q), now), { instanceOf: HttpError });
    t.is(err?.status, 400);
    t.is(err?.message, message);
  });

test('11,000 points are still allowed', (t) => {
  t.is(parseRangeQuery(sp({ start: '0', end: '11000', step: '1' }), now).step, S);
});

test('an instant query defaults to now, 100 lines, backward', (t) => {
  t.deepEqual(parseInstantQuery(sp({ query: 'count_over_time({a="b"}[5m])' }), now), {
    query: 'count_over_time({a="b"}[5m])',
    time: NOW,
    limit: 100,
    direction: 'backward',
  });
});

test('an instant query reads time, limit and direction', (t) => {
  t.deepEqual(parseInstantQuery(sp({ query: 'q', time: '1704164645.5', limit: '7', direction: 'forward' }), now), {
    query: 'q',
    time: 1704164645500000000n,
    limit: 7,
    direction: 'forward',
  });
});

test("an instant query's bad parameters are refused with Loki's messages", (t) => {
  t.is(t.throws(() => parseInstantQuery(sp({ time: 'noon' }), now))?.message, 'strconv.ParseInt: parsing "noon": invalid syntax');
  t.is(t.throws(() => parseInstantQuery(sp({ limit: '0' }), now))?.message, 'limit must be a positive value');
  t.is(t.throws(() => parseInstantQuery(sp({ direction: 'up' }), now))?.message, "invalid direction 'up'");
});

test('a labels query covers the last hour by default and passes its query on', (t) => {
  t.deepEqual(parseLabelsQuery(sp({}), now), { start: NOW - 3600n * S, end: NOW });
  t.deepEqual(parseLabelsQuery(sp({ since: '6h', query: '{a="b"}' }), now), { start: NOW - 6n * 3600n * S, end: NOW, query: '{a="b"}' });
  t.deepEqual(parseLabelsQuery(sp({ start: '10', end: '20' }), now), { start: 10n * S, end: 20n * S });
});

test("a labels query's bad bounds are refused naming the parameter", (t) => {
  const err = t.throws(() => parseLabelsQuery(sp({ start: 'x' }), now), { instanceOf: HttpError });
  t.is(err?.status, 400);
  t.is(err?.message, `could not parse 'start' parameter: strconv.ParseInt: parsing "x": invalid syntax`);
});

test('a series query takes match[] and match together, deduplicated and sorted', (t) => {
  t.deepEqual(parseSeriesQuery(sp({ 'match[]': ['{b="2"}', '{a="1"}'], match: ['{a="1"}'] }), now), {
    match: ['{a="1"}', '{b="2"}'],
    start: NOW - 3600n * S,
    end: NOW,
  });
});

test('a series query with no matcher or a lone {} matches everything', (t) => {
  t.deepEqual(parseSeriesQuery(sp({}), now).match, []);
  t.deepEqual(parseSeriesQuery(sp({ 'match[]': '{}' }), now).match, []);
  t.deepEqual(parseSeriesQuery(sp({ match: '{ }' }), now).match, []);
  t.deepEqual(parseSeriesQuery(sp({ 'match[]': ['{}', '{a="1"}'] }), now).match, ['{a="1"}', '{}']);
});

test("a series query's bounds are read like a range query's", (t) => {
  t.deepEqual(parseSeriesQuery(sp({ 'match[]': '{a="1"}', start: '10', end: '20' }), now), { match: ['{a="1"}'], start: 10n * S, end: 20n * S });
  t.is(t.throws(() => parseSeriesQuery(sp({ end: 'x' }), now))?.message, `could not parse 'end' parameter: strconv.ParseInt: parsing "x": invalid syntax`);
});
