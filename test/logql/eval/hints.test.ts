// Loki's parser hints, whose effects users see: a metric query keeping no labels does not parse
// (so a bad line cannot fail it), and a pipeline error names only the labels the query needed.
// Each expectation is Loki 2.8.11's answer to the same query over the same lines.
import test from 'ava';
import { flatVector, instant, run, sourceOf, stream } from './fixtures.ts';

const src = sourceOf([stream({ app: 'api', pod: 'a' }, [[1, 'level=info duration=5ms msg="ok"'], [2, 'level=error duration=2s msg="broken'], [3, 'level=info duration=7ms other=1']])]);

const answers: Array<[string, Array<[string, string]>]> = [
  ['sum(count_over_time({app="api"} | logfmt [5s]))', [['{}', '3']]],
  ['sum(count_over_time({app="api"} | json [5s]))', [['{}', '3']]],
  ['absent_over_time({app="api"} | json [5s])', []],
  // Loki asks its hints about the key in the line, not the parameter's label: dur stays empty
  ['sum by (dur) (count_over_time({app="api"} | logfmt dur="duration" | __error__="" [5s]))', [['{dur=""}', '2']]],
  ['sum by (level) (count_over_time({app="api"} | logfmt | __error__="" [5s]))', [['{level="info"}', '2']]],
  ['sum(sum_over_time({app="api"} | logfmt | unwrap duration(duration) | __error__="" [5s]))', [['{}', '0.012']]],
  // what templates and renames read is extracted too
  ['sum by (x) (count_over_time({app="api"} | logfmt | label_format x="{{.level}}-{{ if .other }}o{{ end }}" | __error__="" [5s]))', [['{x="info-"}', '1'], ['{x="info-o"}', '1']]],
  ['sum by (x) (count_over_time({app="api"} | logfmt | label_format x=level | __error__="" [5s]))', [['{x="info"}', '2']]],
];
for (const [q, want] of answers)
  test(`${q} answers as Loki does`, async (t) => {
    t.deepEqual(flatVector(await run(q, instant(4), src)), want);
  });

const ERR = '__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 36 : unterminated quoted value"';
const failures: Array<[string, string]> = [
  ['count_over_time({app="api"} | logfmt [5s])', `{${ERR}, app="api", duration="2s", level="error", pod="a"}`],
  ['sum by (level) (count_over_time({app="api"} | logfmt [5s]))', `{${ERR}, app="api", level="error", pod="a"}`],
  ['max_over_time({app="api"} | logfmt | unwrap duration(duration) [5s]) by (level)', `{${ERR}, app="api", duration="2s", level="error", pod="a"}`],
  ['sum by (level) (count_over_time({app="api"} | json [5s]))', `{__error__="JSONParserErr", __error_details__="Value looks like object, but can't find closing '}' symbol", app="api", pod="a"}`],
];
for (const [q, series] of failures)
  test(`${q} fails naming ${series}`, async (t) => {
    const err = await t.throwsAsync(async () => run(q, instant(4), src));
    t.true(err?.message.startsWith(`pipeline error: '${series.includes('JSON') ? 'JSONParserErr' : 'LogfmtParserErr'}' for series: '${series}'.`), err?.message);
  });
