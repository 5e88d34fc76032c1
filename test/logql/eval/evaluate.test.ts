import test from 'ava';
import { batchOf, type EntryBatch } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { evaluate, type QueryParams, type Source } from '../../../logql/eval/index.ts';
import { compileMatchers } from '../../../model/matchers.ts';
import { parseExpr } from '../../../logql/parser/index.ts';

const S = 1_000_000_000n;
const app: Labels = [['app', 'api'], ['env', 'prod']];
const web: Labels = [['app', 'web'], ['env', 'prod']];
const dev: Labels = [['app', 'api'], ['env', 'dev']];

// seconds 1..6 for api/prod, 2,4,6 for web/prod, 3 for api/dev
const data: EntryBatch[] = [
  batchOf(app, [[1n * S, 'GET /a 200'], [2n * S, 'GET /b 500 error'], [3n * S, 'POST /c 200'], [4n * S, 'GET /d 404'], [5n * S, 'GET /e 500 error'], [6n * S, 'GET /f 200']]),
  batchOf(web, [[2n * S, 'web ok'], [4n * S, 'web error'], [6n * S, 'web ok']]),
  batchOf(dev, [[3n * S, 'dev line']]),
];

const source: Source = {
  async *select(matchers, start, end) {
    const match = compileMatchers(matchers);
    for (const b of data) if (match(b.labels)) yield b;
    void start;
    void end;
  },
};

const range = (start: bigint, end: bigint, step = S, extra: Partial<QueryParams> = {}): QueryParams => ({ start, end, step: Number(step), direction: 'backward', limit: 100, instant: false, ...extra });
const instant = (t: bigint): QueryParams => ({ start: t, end: t, step: 0, direction: 'backward', limit: 100, instant: true });

const logCases: Array<[string, Partial<QueryParams>, Record<string, string[]>]> = [
  ['{app="api"}', {}, { '{app="api",env="prod"}': ['6 GET /f 200', '5 GET /e 500 error', '4 GET /d 404', '3 POST /c 200', '2 GET /b 500 error', '1 GET /a 200'], '{app="api",env="dev"}': ['3 dev line'] }],
  ['{app="api", env="prod"} |= "error"', {}, { '{app="api",env="prod"}': ['5 GET /e 500 error', '2 GET /b 500 error'] }],
  ['{env="prod"} != "GET"', {}, { '{app="api",env="prod"}': ['3 POST /c 200'], '{app="web",env="prod"}': ['6 web ok', '4 web error', '2 web ok'] }],
  ['{env="prod"} |~ "5\\\\d\\\\d"', {}, { '{app="api",env="prod"}': ['5 GET /e 500 error', '2 GET /b 500 error'] }],
  ['{env="prod"} !~ "^GET"', { direction: 'forward' }, { '{app="api",env="prod"}': ['3 POST /c 200'], '{app="web",env="prod"}': ['2 web ok', '4 web error', '6 web ok'] }],
  ['{env=~"prod|dev"} |= "error" or "dev"', {}, { '{app="api",env="prod"}': ['5 GET /e 500 error', '2 GET /b 500 error'], '{app="web",env="prod"}': ['4 web error'], '{app="api",env="dev"}': ['3 dev line'] }],
  ['{env="prod"} != "ok" != "GET"', {}, { '{app="api",env="prod"}': ['3 POST /c 200'], '{app="web",env="prod"}': ['4 web error'] }],
  ['{env="prod"}', { limit: 3 }, { '{app="api",env="prod"}': ['6 GET /f 200', '5 GET /e 500 error'], '{app="web",env="prod"}': ['6 web ok'] }],
  ['{env="prod"}', { limit: 3, direction: 'forward' }, { '{app="api",env="prod"}': ['1 GET /a 200', '2 GET /b 500 error'], '{app="web",env="prod"}': ['2 web ok'] }],
  ['{app="api"}', { start: 2n * S, end: 4n * S }, { '{app="api",env="prod"}': ['3 POST /c 200', '2 GET /b 500 error'], '{app="api",env="dev"}': ['3 dev line'] }],
  ['{app="none"}', {}, {}],
  ['{env="prod"} |= ""', { limit: 1 }, { '{app="api",env="prod"}': ['6 GET /f 200'] }],
];

for (const [q, p, want] of logCases)
  test(`log query ${q} ${JSON.stringify(p, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`, async (t) => {
    const r = await evaluate(parseExpr(q), { ...range(0n, 10n * S), ...p }, source);
    t.is(r.resultType, 'streams');
    const got: Record<string, string[]> = {};
    if (r.resultType === 'streams')
      for (const s of r.result) got[`{${Object.entries(s.stream).map(([k, v]) => `${k}="${v}"`).join(',')}}`] = s.values.map(([ts, l]) => `${BigInt(ts) / S} ${l}`);
    t.deepEqual(got, want);
  });

const metricCases: Array<[string, QueryParams, unknown]> = [
  ['count_over_time({app="api", env="prod"}[2s])', instant(4n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'prod' }, value: [4, '2'] }] }],
  ['rate({app="api", env="prod"}[2s])', instant(4n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'prod' }, value: [4, '1'] }] }],
  ['bytes_over_time({app="web"}[10s])', instant(10n * S), { resultType: 'vector', result: [{ metric: { app: 'web', env: 'prod' }, value: [10, '21'] }] }],
  ['sum(count_over_time({env="prod"}[10s]))', instant(10n * S), { resultType: 'vector', result: [{ metric: {}, value: [10, '9'] }] }],
  ['sum by (env) (count_over_time({app=~".+"}[10s]))', instant(10n * S), { resultType: 'vector', result: [{ metric: { env: 'dev' }, value: [10, '1'] }, { metric: { env: 'prod' }, value: [10, '9'] }] }],
  ['count_over_time({app="web"}[2s])', range(2n * S, 6n * S, 2n * S), { resultType: 'matrix', result: [{ metric: { app: 'web', env: 'prod' }, values: [[2, '1'], [4, '1'], [6, '1']] }] }],
  ['count_over_time({app="web"} |= "error" [10s])', range(0n, 6n * S, 2n * S), { resultType: 'matrix', result: [{ metric: { app: 'web', env: 'prod' }, values: [[4, '1'], [6, '1']] }] }],
  ['vector(1) + vector(1)', instant(5n * S), { resultType: 'vector', result: [{ metric: {}, value: [5, '2'] }] }],
  ['1 + 2 * 3', instant(5n * S), { resultType: 'scalar', result: [5, '7'] }],
  ['count_over_time({app="api"}[10s]) > 3', instant(10n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'prod' }, value: [10, '6'] }] }],
  ['count_over_time({app="api"}[10s]) > bool 3', instant(10n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'dev' }, value: [10, '0'] }, { metric: { app: 'api', env: 'prod' }, value: [10, '1'] }] }],
  ['topk(1, count_over_time({env="prod"}[10s]))', instant(10n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'prod' }, value: [10, '6'] }] }],
  ['count_over_time({app="none"}[10s])', instant(10n * S), { resultType: 'vector', result: [] }],
  ['absent_over_time({app="none"}[10s])', instant(10n * S), { resultType: 'vector', result: [{ metric: { app: 'none' }, value: [10, '1'] }] }],
];

for (const [q, p, want] of metricCases)
  test(`metric query ${q}`, async (t) => {
    t.deepEqual(await evaluate(parseExpr(q), p, source), want);
  });

test('more series than max_query_series is an error in Loki\'s words', async (t) => {
  await t.throwsAsync(() => evaluate(parseExpr('count_over_time({env=~".+"}[10s])'), { ...instant(10n * S), maxSeries: 2 }, source), {
    message: 'maximum number of series (2) reached for a single query',
  });
});

// a counter and a gauge, one sample a second at 1..5s
const counter: Labels = [['app', 'ctr']];
const unwrapData: Source = {
  async *select(matchers) {
    const b = batchOf(counter, [1, 3, 6, 2, 5].map((v, i) => [BigInt(i + 1) * S, `total=${v} latency=${(i + 1) * 10}ms size=${i + 1}KB`] as const));
    if (compileMatchers(matchers)(b.labels)) yield b;
  },
};
const unwrapCases: Array<[string, string]> = [
  ['sum_over_time({app="ctr"} | logfmt total | unwrap total [5s])', '17'],
  ['avg_over_time({app="ctr"} | logfmt total | unwrap total [5s])', '3.4'],
  ['min_over_time({app="ctr"} | logfmt total | unwrap total [5s])', '1'],
  ['max_over_time({app="ctr"} | logfmt total | unwrap total [5s])', '6'],
  ['first_over_time({app="ctr"} | logfmt total | unwrap total [5s])', '1'],
  ['last_over_time({app="ctr"} | logfmt total | unwrap total [5s])', '5'],
  ['stdvar_over_time({app="ctr"} | logfmt total | unwrap total [5s])', '3.44'],
  ['quantile_over_time(0.5, {app="ctr"} | logfmt total | unwrap total [5s])', '3'],
  ['quantile_over_time(0.9, {app="ctr"} | logfmt total | unwrap total [5s])', '5.6'],
  ['rate({app="ctr"} | logfmt total | unwrap total [5s])', '3.4'],
  // Loki 2.8's counter rate: increase 4 plus the reset's 6, per 5s, stretched by (4e6 + 5) / 4e6 because
  // Loki measures the sampled interval in microseconds (ns / 1000) but the gap to the start in seconds
  ['rate_counter({app="ctr"} | logfmt total | unwrap total [5s])', '2.0000025'],
  ['sum_over_time({app="ctr"} | logfmt latency | unwrap duration(latency) [5s])', '0.15000000000000002'],
  ['sum_over_time({app="ctr"} | logfmt latency | unwrap duration_seconds(latency) [5s])', '0.15000000000000002'], // float sums as Go's,
  ['sum_over_time({app="ctr"} | logfmt size | unwrap bytes(size) [5s])', '15000'],
  ['sum_over_time({app="ctr"} | logfmt total | unwrap total [2s])', '7'],
  ['sum_over_time({app="ctr"} | logfmt total | unwrap total [2s] offset 2s)', '9'],
  ['count_over_time({app="ctr"}[5s] offset 3s)', '2'],
  ['sum_over_time({app="ctr"} | logfmt total | total > 2 | unwrap total [5s])', '14'],
];
for (const [q, want] of unwrapCases)
  test(`unwrapped ${q} is ${want}`, async (t) => {
    const r = await evaluate(parseExpr(q), instant(5n * S), unwrapData);
    t.is(r.resultType, 'vector');
    t.is(r.resultType === 'vector' ? r.result[0]?.value[1] : undefined, want);
  });

test('the unwrapped label leaves the series labels, the others stay', async (t) => {
  const r = await evaluate(parseExpr('sum_over_time({app="ctr"} | logfmt | keep app, total | unwrap total [5s])'), instant(5n * S), unwrapData);
  t.deepEqual(r.resultType === 'vector' && r.result.map((s) => s.metric), [{ app: 'ctr' }]);
});

test('a range query steps on a grid aligned to the epoch: start down, end up', async (t) => {
  const r = await evaluate(parseExpr('count_over_time({app="ctr"}[1s])'), range(1500_000_000n, 3500_000_000n, S), unwrapData);
  t.deepEqual(r.resultType === 'matrix' && r.result[0].values, [[1, '1'], [2, '1'], [3, '1'], [4, '1']]);
});

test('the window of a step is (t - range, t]: a line exactly at t - range is out', async (t) => {
  const r = await evaluate(parseExpr('count_over_time({app="ctr"}[2s])'), instant(3n * S), unwrapData);
  t.deepEqual(r.resultType === 'vector' && r.result[0].value, [3, '2']);
});

const perPod: Source = {
  async *select(matchers) {
    const all = [
      batchOf([['app', 'a'], ['pod', 'p1'], ['team', 'x']], [[1n * S, 'l'], [2n * S, 'l']]),
      batchOf([['app', 'a'], ['pod', 'p2'], ['team', 'x']], [[1n * S, 'l']]),
      batchOf([['app', 'b'], ['pod', 'p1'], ['team', 'y']], [[1n * S, 'l'], [2n * S, 'l'], [3n * S, 'l']]),
    ];
    const m = compileMatchers(matchers);
    for (const b of all) if (m(b.labels)) yield b;
  },
};
const vectorCases: Array<[string, Array<[Record<string, string>, string]>]> = [
  ['sum by (pod) (count_over_time({team=~".+"}[5s]))', [[{ pod: 'p1' }, '5'], [{ pod: 'p2' }, '1']]],
  ['sum without (pod) (count_over_time({team=~".+"}[5s]))', [[{ app: 'a', team: 'x' }, '3'], [{ app: 'b', team: 'y' }, '3']]],
  ['avg(count_over_time({team=~".+"}[5s]))', [[{}, '2']]],
  ['min(count_over_time({team=~".+"}[5s]))', [[{}, '1']]],
  ['max by (team) (count_over_time({team=~".+"}[5s]))', [[{ team: 'x' }, '2'], [{ team: 'y' }, '3']]],
  ['count(count_over_time({team=~".+"}[5s]))', [[{}, '3']]],
  ['stddev(count_over_time({team=~".+"}[5s]))', [[{}, String(Math.sqrt(2 / 3))]]],
  ['bottomk(1, count_over_time({team=~".+"}[5s]))', [[{ app: 'a', pod: 'p2', team: 'x' }, '1']]],
  ['topk by (team) (1, count_over_time({team=~".+"}[5s]))', [[{ app: 'a', pod: 'p1', team: 'x' }, '2'], [{ app: 'b', pod: 'p1', team: 'y' }, '3']]],
  ['sort(count_over_time({team=~".+"}[5s]))', [[{ app: 'a', pod: 'p2', team: 'x' }, '1'], [{ app: 'a', pod: 'p1', team: 'x' }, '2'], [{ app: 'b', pod: 'p1', team: 'y' }, '3']]],
  ['sort_desc(count_over_time({team=~".+"}[5s]))', [[{ app: 'b', pod: 'p1', team: 'y' }, '3'], [{ app: 'a', pod: 'p1', team: 'x' }, '2'], [{ app: 'a', pod: 'p2', team: 'x' }, '1']]],
  ['sum by (pod) (count_over_time({app="a"}[5s])) / on (pod) sum by (pod) (count_over_time({app="b"}[5s]))', [[{ pod: 'p1' }, String(2 / 3)]]],
  ['sum by (pod, team) (count_over_time({app="a"}[5s])) * ignoring (team) sum by (pod) (count_over_time({app="b"}[5s]))', [[{ pod: 'p1' }, '6']]],
  ['sum by (pod, app) (count_over_time({team="x"}[5s])) * on (pod) group_left (team) sum by (pod, team) (count_over_time({app="b"}[5s]))', [[{ app: 'a', pod: 'p1', team: 'y' }, '6']]],
  ['count_over_time({team=~".+"}[5s]) and count_over_time({app="b"}[5s])', [[{ app: 'b', pod: 'p1', team: 'y' }, '3']]],
  ['count_over_time({team="x"}[5s]) unless on (pod) count_over_time({app="b"}[5s])', [[{ app: 'a', pod: 'p2', team: 'x' }, '1']]],
  ['sum(count_over_time({app="zzz"}[5s])) or vector(0)', [[{}, '0']]],
  ['count_over_time({team=~".+"}[5s]) >= 2', [[{ app: 'a', pod: 'p1', team: 'x' }, '2'], [{ app: 'b', pod: 'p1', team: 'y' }, '3']]],
  ['2 * count_over_time({app="b"}[5s]) - 1', [[{ app: 'b', pod: 'p1', team: 'y' }, '5']]],
  ['count_over_time({app="b"}[5s]) ^ 2 % 4', [[{ app: 'b', pod: 'p1', team: 'y' }, '1']]],
  ['label_replace(count_over_time({app="b"}[5s]), "where", "pod-$1", "pod", "p(.*)")', [[{ app: 'b', pod: 'p1', team: 'y', where: 'pod-1' }, '3']]],
  ['label_replace(count_over_time({app="b"}[5s]), "where", "$1", "pod", "zz(.*)")', [[{ app: 'b', pod: 'p1', team: 'y' }, '3']]],
  ['0 - count_over_time({app="b"}[5s])', [[{ app: 'b', pod: 'p1', team: 'y' }, '-3']]],
  // Loki guards division by zero: NaN, not Prometheus' +Inf
  ['count_over_time({app="b"}[5s]) / 0', [[{ app: 'b', pod: 'p1', team: 'y' }, 'NaN']]],
];
for (const [q, want] of vectorCases)
  test(`vector ${q}`, async (t) => {
    const r = await evaluate(parseExpr(q), instant(5n * S), perPod);
    t.is(r.resultType, 'vector');
    const got = r.resultType === 'vector' ? r.result.map((s) => [s.metric, s.value[1]]) : [];
    if (q.startsWith('sort')) t.deepEqual(got, want);
    else t.deepEqual(new Set(got.map((g) => JSON.stringify(g))), new Set(want.map((g) => JSON.stringify(g))));
  });

const mixed: Source = {
  async *select(matchers) {
    const b = batchOf([['app', 'mix']], [
      [1n * S, 'level=info msg=a'],
      [2n * S, '{"level":"error","msg":"b"}'],
      [3n * S, 'level=error msg=c'],
      [4n * S, 'not structured at all'],
      [5n * S, 'level=info msg=e'],
    ]);
    if (compileMatchers(matchers)(b.labels)) yield b;
  },
};
const streamsOf = (r: Awaited<ReturnType<typeof evaluate>>) =>
  r.resultType === 'streams' ? r.result.map((s) => [s.stream, s.values.map(([ts, l]) => `${BigInt(ts) / S} ${l}`)]) : [];

const parsedCases: Array<[string, Partial<QueryParams>, unknown[]]> = [
  ['{app="mix"} | logfmt | level="error"', {}, [[{ app: 'mix', level: 'error', msg: 'c' }, ['3 level=error msg=c']]]],
  ['{app="mix"} | logfmt | level="info"', { direction: 'forward' }, [[{ app: 'mix', level: 'info', msg: 'a' }, ['1 level=info msg=a']], [{ app: 'mix', level: 'info', msg: 'e' }, ['5 level=info msg=e']]]],
  ['{app="mix"} | logfmt | keep level | level="info"', { direction: 'forward' }, [[{ level: 'info' }, ['1 level=info msg=a', '5 level=info msg=e']]]],
  ['{app="mix"} | json | __error__!="" | drop __error_details__', { direction: 'forward' }, [[{ __error__: 'JSONParserErr', app: 'mix' }, ['1 level=info msg=a', '3 level=error msg=c', '4 not structured at all', '5 level=info msg=e']]]],
  ['{app="mix"} | json | __error__=""', {}, [[{ app: 'mix', level: 'error', msg: 'b' }, ['2 {"level":"error","msg":"b"}']]]],
  ['{app="mix"} | json | drop __error__, __error_details__ | level="error"', {}, [[{ app: 'mix', level: 'error', msg: 'b' }, ['2 {"level":"error","msg":"b"}']]]],
  ['{app="mix"} | logfmt | line_format "{{.msg}}" | keep app', { direction: 'forward', limit: 2 }, [[{ app: 'mix' }, ['1 a', '2 ']]]],
  ['{app="mix"} | logfmt | label_format level="{{ default \\"none\\" .level }}" | keep level | level="none"', {}, [[{ level: 'none' }, ['4 not structured at all', '2 {"level":"error","msg":"b"}']]]],
  // lines the pattern does not match stay, without the labels it would have extracted; streams in the order of their labels' text
  ['{app="mix"} | pattern "level=<level> <_>" | keep level', { direction: 'forward' }, [[{ level: 'error' }, ['3 level=error msg=c']], [{ level: 'info' }, ['1 level=info msg=a', '5 level=info msg=e']], [{}, ['2 {"level":"error","msg":"b"}', '4 not structured at all']]]],
  ['{app="mix"} |= "level" | logfmt | keep level', { limit: 1 }, [[{ level: 'info' }, ['5 level=info msg=e']]]],
];
for (const [q, p, want] of parsedCases)
  test(`parsed log query ${q} ${JSON.stringify(p)}`, async (t) => {
    t.deepEqual(streamsOf(await evaluate(parseExpr(q), { ...range(0n, 10n * S), ...p }, mixed)), want);
  });

test('an instant log query reads the 30 seconds before its time, its time excluded', async (t) => {
  const at = async (sec: bigint) => streamsOf(await evaluate(parseExpr('{app="mix"} |= "msg=e"'), { ...instant(sec * S), limit: 10 }, mixed));
  t.deepEqual(await at(5n), []);
  t.deepEqual(await at(6n), [[{ app: 'mix' }, ['5 level=info msg=e']]]);
  t.deepEqual(await at(35n), [[{ app: 'mix' }, ['5 level=info msg=e']]]);
  t.deepEqual(await at(36n), []);
});

const rangeCases: Array<[string, Array<[Record<string, string>, Array<[number, string]>]>]> = [
  ['sum(count_over_time({team=~".+"}[1s]))', [[{}, [[1, '3'], [2, '2'], [3, '1']]]]],
  ['sum(count_over_time({team=~".+"}[2s]))', [[{}, [[1, '3'], [2, '5'], [3, '3'], [4, '1']]]]],
  ['sum(rate({team=~".+"}[2s]))', [[{}, [[1, '1.5'], [2, '2.5'], [3, '1.5'], [4, '0.5']]]]],
  ['sum(bytes_over_time({team=~".+"}[2s]))', [[{}, [[1, '3'], [2, '5'], [3, '3'], [4, '1']]]]],
  ['sum by (team) (count_over_time({team=~".+"}[2s]))', [[{ team: 'x' }, [[1, '2'], [2, '3'], [3, '1']]], [{ team: 'y' }, [[1, '1'], [2, '2'], [3, '2'], [4, '1']]]]],
  ['max(count_over_time({team=~".+"}[2s]))', [[{}, [[1, '1'], [2, '2'], [3, '2'], [4, '1']]]]],
  ['count(count_over_time({team=~".+"}[2s]))', [[{}, [[1, '3'], [2, '3'], [3, '2'], [4, '1']]]]],
  ['sum(count_over_time({team=~".+"}[1s] offset 1s))', [[{}, [[2, '3'], [3, '2'], [4, '1']]]]],
  ['absent_over_time({app="zzz"}[1s])', [[{ app: 'zzz' }, [[1, '1'], [2, '1'], [3, '1'], [4, '1']]]]],
  ['absent_over_time({app="b"}[1s])', [[{ app: 'b' }, [[4, '1']]]]],
  ['vector(5)', [[{}, [[1, '5'], [2, '5'], [3, '5'], [4, '5']]]]],
  ['count_over_time({app="b"}[1s]) * 10', [[{ app: 'b', pod: 'p1', team: 'y' }, [[1, '10'], [2, '10'], [3, '10']]]]],
  ['sum(count_over_time({team=~".+"}[2s])) > 2', [[{}, [[1, '3'], [2, '5'], [3, '3']]]]],
  ['sum(count_over_time({team=~".+"}[2s])) > bool 2', [[{}, [[1, '1'], [2, '1'], [3, '1'], [4, '0']]]]],
];
for (const [q, want] of rangeCases)
  test(`range ${q}`, async (t) => {
    const r = await evaluate(parseExpr(q), range(1n * S, 4n * S, S), perPod);
    t.is(r.resultType, 'matrix');
    const got = r.resultType === 'matrix' ? r.result.map((s) => [s.metric, s.values]) : [];
    t.deepEqual(new Set(got.map((g) => JSON.stringify(g))), new Set(want.map((g) => JSON.stringify(g))));
  });

// latency per pod for unwrap with grouping: p1 a: 10, 30; p2 a: 20; p1 b: 5, 15, 25
const latencies: Source = {
  async *select(matchers) {
    const all = [
      batchOf([['app', 'a'], ['pod', 'p1']], [[1n * S, 'ms=10 route=/x'], [2n * S, 'ms=30 route=/y']]),
      batchOf([['app', 'a'], ['pod', 'p2']], [[1n * S, 'ms=20 route=/x']]),
      batchOf([['app', 'b'], ['pod', 'p1']], [[1n * S, 'ms=5 route=/x'], [2n * S, 'ms=15 route=/x'], [3n * S, 'ms=25 route=/y']]),
    ];
    const m = compileMatchers(matchers);
    for (const b of all) if (m(b.labels)) yield b;
  },
};
const groupedCases: Array<[string, Array<[Record<string, string>, string]>]> = [
  ['sum by (app) (sum_over_time({app=~".+"} | logfmt ms | unwrap ms [5s]))', [[{ app: 'a' }, '60'], [{ app: 'b' }, '45']]],
  ['sum without (pod) (sum_over_time({app=~".+"} | logfmt ms | unwrap ms [5s]))', [[{ app: 'a' }, '60'], [{ app: 'b' }, '45']]],
  ['max_over_time({app=~".+"} | logfmt ms | unwrap ms [5s]) by (pod)', [[{ pod: 'p1' }, '30'], [{ pod: 'p2' }, '20']]],
  ['min_over_time({app=~".+"} | logfmt ms | unwrap ms [5s]) by (pod)', [[{ pod: 'p1' }, '5'], [{ pod: 'p2' }, '20']]],
  ['max_over_time({app=~".+"} | logfmt | unwrap ms [5s]) by (route)', [[{ route: '/x' }, '20'], [{ route: '/y' }, '30']]],
  ['max_over_time({app="a"} | logfmt ms | unwrap ms [5s])', [[{ app: 'a', pod: 'p1' }, '30'], [{ app: 'a', pod: 'p2' }, '20']]],
  ['avg_over_time({app="b"} | logfmt ms | unwrap ms [5s])', [[{ app: 'b', pod: 'p1' }, '15']]],
  ['quantile_over_time(0.5, {app="b"} | logfmt ms | unwrap ms [5s])', [[{ app: 'b', pod: 'p1' }, '15']]],
  ['quantile_over_time(0, {app="b"} | logfmt ms | unwrap ms [5s])', [[{ app: 'b', pod: 'p1' }, '5']]],
  ['quantile_over_time(1, {app="b"} | logfmt ms | unwrap ms [5s])', [[{ app: 'b', pod: 'p1' }, '25']]],
  ['quantile_over_time(0.25, {app="b"} | logfmt ms | unwrap ms [5s])', [[{ app: 'b', pod: 'p1' }, '10']]],
  ['stddev_over_time({app="b"} | logfmt ms | unwrap ms [5s])', [[{ app: 'b', pod: 'p1' }, String(Math.sqrt(200 / 3))]]],
  ['first_over_time({app="b"} | logfmt ms | unwrap ms [5s])', [[{ app: 'b', pod: 'p1' }, '5']]],
  ['last_over_time({app="b"} | logfmt ms | unwrap ms [5s])', [[{ app: 'b', pod: 'p1' }, '25']]],
  ['sum(sum_over_time({app=~".+"} | logfmt ms | unwrap ms [5s]))', [[{}, '105']]],
  ['avg by (app) (avg_over_time({app=~".+"} | logfmt ms | unwrap ms [5s]))', [[{ app: 'a' }, '20'], [{ app: 'b' }, '15']]],
  ['sum by (app) (count_over_time({app=~".+"} | logfmt ms | ms > 10 [5s]))', [[{ app: 'a' }, '2'], [{ app: 'b' }, '2']]],
  ['sum(count_over_time({app=~".+"} |= "/y" [5s]))', [[{}, '2']]],
  ['sum(rate({app=~".+"} | logfmt ms | unwrap ms [5s]))', [[{}, '21']]],
  ['sum by (route) (count_over_time({app=~".+"} | logfmt | keep route [5s]))', [[{ route: '/x' }, '4'], [{ route: '/y' }, '2']]],
  ['count by (app) (count_over_time({app=~".+"}[5s]))', [[{ app: 'a' }, '2'], [{ app: 'b' }, '1']]],
  ['topk(1, sum by (pod) (count_over_time({app=~".+"}[5s])))', [[{ pod: 'p1' }, '5']]],
  ['bottomk(1, sum by (pod) (count_over_time({app=~".+"}[5s])))', [[{ pod: 'p2' }, '1']]],
  ['sum by (app) (count_over_time({app=~".+"}[5s])) / ignoring (app) group_left sum(count_over_time({app=~".+"}[5s]))', [[{ app: 'a' }, '0.5'], [{ app: 'b' }, '0.5']]],
];
for (const [q, want] of groupedCases)
  test(`grouped ${q}`, async (t) => {
    const r = await evaluate(parseExpr(q), instant(5n * S), latencies);
    t.is(r.resultType, 'vector');
    const got = r.resultType === 'vector' ? r.result.map((s) => [s.metric, s.value[1]]) : [];
    t.deepEqual(new Set(got.map((g) => JSON.stringify(g))), new Set(want.map((g) => JSON.stringify(g))));
  });
