import test from 'ava';
import { flatMatrix, flatVector, instant, range, run, sourceOf, stream } from './fixtures.ts';
import { durationSeconds, parseGoDuration, parseGoFloat, parseHumanBytes } from '../../../logql/go-convert.ts';

const svc = sourceOf([
  stream({ app: 'svc', pod: 'a' }, [[1, 'ms=10 size=1KB took=10ms'], [2, 'ms=30 size=1.5KiB took=1.5s'], [3, 'ms=20 size=2MB took=1m']]),
  stream({ app: 'svc', pod: 'b' }, [[1, 'ms=5 took=2h'], [2, 'ms=bad size=lots took=1d'], [3, 'size=10 took=-1.5h']]),
  stream({ app: 'svc', pod: 'c' }, [[2, 'ms=1e3'], [3, 'ms=-2.5']]),
]);

const cases: Array<[string, Array<[string, string]>]> = [
  ['sum_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '60']]],
  ['avg_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '20']]],
  ['min_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '10']]],
  ['max_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '30']]],
  ['first_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '10']]],
  ['last_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '20']]],
  ['stdvar_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '66.66666666666667']]],
  ['stddev_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '8.16496580927726']]],
  ['quantile_over_time(0.5, {app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '20']]],
  ['quantile_over_time(0.75, {app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '25']]],
  ['quantile_over_time(2, {app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '+Inf']]],
  ['rate({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '12']]],
  // Loki 2.8: increase 10 plus the reset's 30, per 5s, stretched by (2e6 + 5) / 2e6 (see range-functions.ts)
  ['rate_counter({app="svc", pod="a"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="a"}', '8.00002']]],
  ['rate_counter({app="svc", pod="a"} | logfmt ms | unwrap ms [1s])', [['{app="svc",pod="a"}', '0']]],
  ['sum_over_time({app="svc", pod="a"} | logfmt size | unwrap bytes(size) [5s])', [['{app="svc",pod="a"}', '2002536']]],
  ['sum_over_time({app="svc", pod="a"} | logfmt took | unwrap duration(took) [5s])', [['{app="svc",pod="a"}', '61.51']]],
  ['max_over_time({app="svc", pod="a"} | logfmt took | unwrap duration_seconds(took) [5s])', [['{app="svc",pod="a"}', '60']]],
  ['sum_over_time({app="svc", pod="c"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="c"}', '997.5']]],
  ['min_over_time({app="svc", pod="c"} | logfmt ms | unwrap ms [5s])', [['{app="svc",pod="c"}', '-2.5']]],
  // a line without the label is skipped, not an error
  ['sum_over_time({app="svc", pod="c"} | logfmt | unwrap size [5s])', []],
  ['count_over_time({app="svc", pod="b"} | logfmt | size != "" [5s])', [['{app="svc",ms="bad",pod="b",size="lots",took="1d"}', '1'], ['{app="svc",pod="b",size="10",took="-1.5h"}', '1']]],
  // errors intercepted after the unwrap leave only the clean samples
  ['sum_over_time({app="svc", pod="b"} | logfmt ms | unwrap ms | __error__="" [5s])', [['{app="svc",pod="b"}', '5']]],
  ['sum_over_time({app="svc", pod="b"} | logfmt took | unwrap duration(took) | __error__="" [5s])', [['{app="svc",pod="b"}', '1800']]],
  ['sum_over_time({app="svc", pod="b"} | logfmt size | unwrap bytes(size) | __error__!="SampleExtractionErr" [5s])', [['{app="svc",pod="b"}', '10']]],
  // post-unwrap filters see the unwrapped label
  ['sum_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms | ms > 15 [5s])', [['{app="svc",pod="a"}', '50']]],
  ['sum_over_time({app="svc", pod="a"} | logfmt ms | ms < 25 | unwrap ms [5s])', [['{app="svc",pod="a"}', '30']]],
  // by/without group the samples before aggregating: the average of all samples, not of averages
  ['avg_over_time({app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]) by (app)', [['{app="svc"}', '211.5']]],
  ['avg_over_time({app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]) without (pod)', [['{app="svc"}', '211.5']]],
  ['max_over_time({app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]) by (app)', [['{app="svc"}', '1000']]],
  ['quantile_over_time(0.5, {app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]) by (app)', [['{app="svc"}', '20']]],
  ['first_over_time({app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]) by (app)', [['{app="svc"}', '10']]],
  ['sum by (pod) (sum_over_time({app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]))', [['{pod="a"}', '60'], ['{pod="c"}', '997.5']]],
  ['avg_over_time({app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]) by ()', [['{}', '211.5']]],
  // the unwrapped label leaves the series, unless by names it
  ['max_over_time({app="svc", pod="a"} | logfmt ms | unwrap ms [5s]) by (ms)', [['{ms="10"}', '10'], ['{ms="20"}', '20'], ['{ms="30"}', '30']]],
  ['max_over_time({app="svc", pod="a"} | logfmt ms, took | unwrap ms [5s]) without (took)', [['{app="svc",pod="a"}', '30']]],
  ['sum by (app) (sum_over_time({app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]))', [['{app="svc"}', '1057.5']]],
  ['sum(rate({app="svc", pod=~"a|c"} | logfmt ms | unwrap ms [5s]))', [['{}', '211.5']]],
  // the error sample at 2s is outside (0, 1]: no error
  ['sum_over_time({app="svc", pod="b"} | logfmt ms | unwrap ms [1s])', [['{app="svc",pod="b"}', '5']]],
];
for (const [q, want] of cases)
  test(`${q} gives ${JSON.stringify(want)}`, async (t) => {
    const at = q.includes('[1s])') ? 1 : 3;
    t.deepEqual(flatVector(await run(q, instant(at), svc)), want);
  });

const failures: Array<[string, string]> = [
  ['sum_over_time({app="svc", pod="b"} | logfmt ms | unwrap ms [5s])', '{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \\"bad\\": invalid syntax", app="svc", ms="bad", pod="b"}'],
  // a label filter before the unwrap cannot see the conversion's error
  ['sum_over_time({app="svc", pod="b"} | logfmt ms | __error__="" | unwrap ms [5s])', '{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \\"bad\\": invalid syntax", app="svc", ms="bad", pod="b"}'],
  ['sum_over_time({app="svc", pod="b"} | logfmt took | unwrap duration(took) [5s])', '{__error__="SampleExtractionErr", __error_details__="time: unknown unit \\"d\\" in duration \\"1d\\"", app="svc", pod="b", took="1d"}'],
  ['sum_over_time({app="svc", pod="b"} | logfmt size | unwrap bytes(size) [5s])', '{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \\"\\": invalid syntax", app="svc", pod="b", size="lots"}'],
  ['sum(max_over_time({app="svc", pod="b"} | logfmt ms | unwrap ms [5s]) by (app))', '{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \\"bad\\": invalid syntax", app="svc", ms="bad", pod="b"}'],
];
for (const [q, series] of failures)
  test(`${q} fails with Loki's pipeline error naming ${series}`, async (t) => {
    const err = await t.throwsAsync(() => run(q, instant(3), svc));
    t.is(err?.message.split('\n')[0], `pipeline error: 'SampleExtractionErr' for series: '${series}'.`);
    t.is((err as Error & { status: number }).status, 400);
  });

test('a range query fails once an error sample falls in a window', async (t) => {
  await t.throwsAsync(() => run('sum_over_time({app="svc", pod="b"} | logfmt ms | unwrap ms [1s])', range(1, 3, 1), svc), { message: /^pipeline error: 'SampleExtractionErr'/ });
  t.deepEqual(flatMatrix(await run('sum_over_time({app="svc", pod="b"} | logfmt ms | unwrap ms | __error__="" [1s])', range(1, 3, 1), svc)), [['{app="svc",pod="b"}', '1:5']]);
});

test('a parser error in a metric query is a pipeline error; filtering __error__ counts the clean lines', async (t) => {
  await t.throwsAsync(() => run('count_over_time({app="svc"} | json [5s])', instant(3), svc), { message: /^pipeline error: 'JSONParserErr' for series: '\{__error__="JSONParserErr"/ });
  t.deepEqual(flatVector(await run('count_over_time({app="svc"} | json | __error__="" [5s])', instant(3), svc)), []);
  // keeping only the failures still fails, unless the error labels are dropped
  await t.throwsAsync(() => run('sum(count_over_time({app="svc"} | json | __error__!="" [5s]))', instant(3), svc), { message: /^pipeline error: 'JSONParserErr'/ });
  t.deepEqual(flatVector(await run('sum(count_over_time({app="svc"} | json | __error__!="" | drop __error__, __error_details__ [5s]))', instant(3), svc)), [['{}', '8']]);
});

const floats: Array<[string, number | string]> = [
  ['1', 1], ['-2.5', -2.5], ['+3', 3], ['1e3', 1000], ['.5', 0.5], ['5.', 5], ['Inf', Infinity], ['-infinity', -Infinity], ['0x1p4', 16], ['0x1.8p1', 3],
  ['abc', 'strconv.ParseFloat: parsing "abc": invalid syntax'], [' 1', 'strconv.ParseFloat: parsing " 1": invalid syntax'], ['1e400', 'strconv.ParseFloat: parsing "1e400": value out of range'], ['0x10', 'strconv.ParseFloat: parsing "0x10": invalid syntax'], ['1,5', 'strconv.ParseFloat: parsing "1,5": invalid syntax'],
];
for (const [input, want] of floats)
  test(`a plain unwrap reads ${JSON.stringify(input)} as Go's ParseFloat does`, (t) => {
    if (typeof want === 'number') t.is(parseGoFloat(input), want);
    else t.throws(() => parseGoFloat(input), { message: want });
  });

const durations: Array<[string, number | string]> = [
  ['10ms', 0.01], ['1.5s', 1.5], ['1h30m', 5400], ['-1.5h', -5400], ['300us', 0.0003], ['2µs', 0.000002], ['0', 0], ['1m0.5s', 60.5],
  ['1.000000001s', 1.000000001], ['.5m', 30], ['+2h', 7200],
  ['1d', 'time: unknown unit "d" in duration "1d"'], ['.s', 'time: invalid duration ".s"'], ['1.5', 'time: missing unit in duration "1.5"'], ['-', 'time: invalid duration "-"'], ['3000000h', 'time: invalid duration "3000000h"'], ['10', 'time: missing unit in duration "10"'], ['abc', 'time: invalid duration "abc"'], ['', 'time: invalid duration ""'],
];
for (const [input, want] of durations)
  test(`unwrap duration() reads ${JSON.stringify(input)} as Go's ParseDuration does`, (t) => {
    if (typeof want === 'number') t.is(durationSeconds(parseGoDuration(input)), want);
    else t.throws(() => parseGoDuration(input), { message: want });
  });

const sizes: Array<[string, number | string]> = [
  ['42', 42], ['1KB', 1000], ['1 KiB', 1024], ['1.5kib', 1536], ['2MB', 2000000], ['1,000 B', 1000], ['3gi', 3221225472], ['10x', 'unhandled size name: x'], ['lots', 'strconv.ParseFloat: parsing "": invalid syntax'],
];
for (const [input, want] of sizes)
  test(`unwrap bytes() reads ${JSON.stringify(input)} as go-humanize's ParseBytes does`, (t) => {
    if (typeof want === 'number') t.is(parseHumanBytes(input), want);
    else t.throws(() => parseHumanBytes(input), { message: want });
  });
