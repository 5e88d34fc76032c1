import test from 'ava';
import { batchOf, type EntryBatch, type Labels } from '../../../logql/batch.ts';
import { evaluate, type QueryParams, type Source } from '../../../logql/eval/index.ts';
import { compileMatchers } from '../../../logql/matchers.ts';
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

test('the same entry from two sources is shown once', async (t) => {
  const twice: Source = {
    async *select() {
      yield data[1];
      yield data[1];
    },
  };
  const r = await evaluate(parseExpr('{app="web"}'), range(0n, 10n * S), twice);
  t.deepEqual(r.resultType === 'streams' && r.result[0].values.length, 3);
});

const metricCases: Array<[string, QueryParams, unknown]> = [
  ['count_over_time({app="api", env="prod"}[2s])', instant(4n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'prod' }, value: [4, '2'] }] }],
  ['rate({app="api", env="prod"}[2s])', instant(4n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'prod' }, value: [4, '1'] }] }],
  ['bytes_over_time({app="web"}[10s])', instant(10n * S), { resultType: 'vector', result: [{ metric: { app: 'web', env: 'prod' }, value: [10, '21'] }] }],
  ['sum(count_over_time({env="prod"}[10s]))', instant(10n * S), { resultType: 'vector', result: [{ metric: {}, value: [10, '9'] }] }],
  ['sum by (env) (count_over_time({app=~".+"}[10s]))', instant(10n * S), { resultType: 'vector', result: [{ metric: { env: 'prod' }, value: [10, '9'] }, { metric: { env: 'dev' }, value: [10, '1'] }] }],
  ['count_over_time({app="web"}[2s])', range(2n * S, 6n * S, 2n * S), { resultType: 'matrix', result: [{ metric: { app: 'web', env: 'prod' }, values: [[2, '1'], [4, '1'], [6, '1']] }] }],
  ['count_over_time({app="web"} |= "error" [10s])', range(0n, 6n * S, 2n * S), { resultType: 'matrix', result: [{ metric: { app: 'web', env: 'prod' }, values: [[4, '1'], [6, '1']] }] }],
  ['vector(1) + vector(1)', instant(5n * S), { resultType: 'vector', result: [{ metric: {}, value: [5, '2'] }] }],
  ['1 + 2 * 3', instant(5n * S), { resultType: 'scalar', result: [5, '7'] }],
  ['count_over_time({app="api"}[10s]) > 3', instant(10n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'prod' }, value: [10, '6'] }] }],
  ['count_over_time({app="api"}[10s]) > bool 3', instant(10n * S), { resultType: 'vector', result: [{ metric: { app: 'api', env: 'prod' }, value: [10, '1'] }, { metric: { app: 'api', env: 'dev' }, value: [10, '0'] }] }],
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
