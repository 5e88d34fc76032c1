import test from 'ava';
import { batchOf, type Labels } from '../../../logql/batch.ts';
import { compilePipeline } from '../../../logql/pipeline/index.ts';
import { parseExpr } from '../../../logql/parser/index.ts';
import { evaluate, type Source } from '../../../logql/eval/index.ts';
import { compileMatchers } from '../../../logql/matchers.ts';

const stream: Labels = [['app', 'api']];

/** Runs `{app="api"} <pipeline>` over lines; each surviving entry as `labels | line`. */
function run(pipeline: string, lines: string[], meta?: Array<Labels | undefined>): string[] {
  const e = parseExpr(`{app="api"} ${pipeline}`);
  if (e.kind !== 'log') throw new Error('not a log query');
  const out: string[] = [];
  const batch = batchOf(stream, lines.map((l, i) => [BigInt(i + 1) * 1_000_000_000n, l, meta?.[i]] as const));
  compilePipeline(e.pipeline).run(batch, (_, line, labels) => out.push(`${labels.map(([n, v]) => `${n}=${v}`).join(',')} | ${line.toString()}`));
  return out;
}

const cases: Array<[string, string[], string[]]> = [
  ['| json', ['{"level":"error","req":{"method":"GET","path":"/a"},"n":3,"ok":true,"tags":["x"]}'], ['app=api,level=error,n=3,ok=true,req_method=GET,req_path=/a | {"level":"error","req":{"method":"GET","path":"/a"},"n":3,"ok":true,"tags":["x"]}']],
  ['| json m="req.method", first="tags[0]"', ['{"req":{"method":"PUT"},"tags":["t1","t2"]}'], ['app=api,first=t1,m=PUT | {"req":{"method":"PUT"},"tags":["t1","t2"]}']],
  ['| json', ['not json'], ['__error__=JSONParserErr,__error_details__=the line is not a JSON object: it starts with "n",app=api | not json']],
  ['| json | __error__=""', ['not json', '{"a":"1"}'], ['a=1,app=api | {"a":"1"}']],
  ['| json | __error__!=""', ['not json', '{"a":"1"}'], ['__error__=JSONParserErr,__error_details__=the line is not a JSON object: it starts with "n",app=api | not json']],
  ['| json', ['{"app":"other"}'], ['app=api,app_extracted=other | {"app":"other"}']],
  ['| logfmt', ['level=info msg="hello world" dur=5ms'], ['app=api,dur=5ms,level=info,msg=hello world | level=info msg="hello world" dur=5ms']],
  ['| logfmt level', ['level=warn other=x'], ['app=api,level=warn | level=warn other=x']],
  ['| logfmt --keep-empty', ['a=1 flag'], ['a=1,app=api,flag= | a=1 flag']],
  ['| logfmt', ['a=1 flag'], ['a=1,app=api | a=1 flag']],
  ['| logfmt --strict', ['a=1 b="unterminated'], ['__error__=LogfmtParserErr,__error_details__=logfmt syntax error near "b",a=1,app=api | a=1 b="unterminated']],
  ['| logfmt | level="error"', ['level=error', 'level=info'], ['app=api,level=error | level=error']],
  ['| logfmt | status >= 500', ['status=503', 'status=200', 'status=500'], ['app=api,status=503 | status=503', 'app=api,status=500 | status=500']],
  ['| logfmt | dur > 1s', ['dur=1500ms', 'dur=200ms', 'dur=2m'], ['app=api,dur=1500ms | dur=1500ms', 'app=api,dur=2m | dur=2m']],
  ['| logfmt | size > 1KB', ['size=2KB', 'size=10B'], ['app=api,size=2KB | size=2KB']],
  ['| logfmt | status > 100', ['status=abc'], ['__error__=LabelFilterErr,__error_details__=cannot convert "abc" of label status to a number,app=api,status=abc | status=abc']],
  ['| logfmt | level="error" or status=500', ['level=error', 'status=500', 'level=info status=200'], ['app=api,level=error | level=error', 'app=api,status=500 | status=500']],
  ['| logfmt | level="info", status=200', ['level=info status=200', 'level=info status=500'], ['app=api,level=info,status=200 | level=info status=200']],
  ['| logfmt | (level="a" or level="b") and n > 1', ['level=a n=2', 'level=b n=1', 'level=c n=5'], ['app=api,level=a,n=2 | level=a n=2']],
  ['| logfmt | level=~"err.*"', ['level=error', 'level=warn'], ['app=api,level=error | level=error']],
  ['| regexp "(?P<method>\\\\w+) (?P<path>\\\\S+)"', ['GET /x 200'], ['app=api,method=GET,path=/x | GET /x 200']],
  ['| pattern "<ip> - <_> \\"<method> <path>\\""', ['1.2.3.4 - frank "GET /a"'], ['app=api,ip=1.2.3.4,method=GET,path=/a | 1.2.3.4 - frank "GET /a"']],
  ['| unpack', ['{"_entry":"original line","pod":"p1"}'], ['app=api,pod=p1 | original line']],
  ['| logfmt | line_format "{{.level}}: {{.msg}}"', ['level=info msg=hi'], ['app=api,level=info,msg=hi | info: hi']],
  ['| logfmt | label_format lvl=level', ['level=info'], ['app=api,lvl=info | level=info']],
  ['| logfmt | label_format both="{{.a}}-{{.b}}", a="{{.b}}"', ['a=1 b=2'], ['a=2,app=api,b=2,both=1-2 | a=1 b=2']],
  ['| logfmt | drop b, c="keep"', ['a=1 b=2 c=keep'], ['a=1,app=api | a=1 b=2 c=keep']],
  ['| logfmt | drop c="other"', ['a=1 c=keep'], ['a=1,app=api,c=keep | a=1 c=keep']],
  ['| logfmt | keep a', ['a=1 b=2'], ['a=1 | a=1 b=2']],
  ['| decolorize', ['\u001b[31mred\u001b[0m text'], ['app=api | red text']],
  ['|= "x" | json | line_format "{{.v}}" |= "2"', ['{"v":"x1"}', '{"v":"x2"}', '{"v":"y2"}'], ['app=api,v=x2 | x2']],
  ['| line_format "{{ __line__ | upper }}"', ['abc'], ['app=api | ABC']],
  ['| trace_id="t1"', ['a', 'b'], ['app=api,trace_id=t1 | a']],
  ['| json', [], []],
  ['|= ip("192.168.4.5-192.168.4.20")', ['from 192.168.4.7 ok', 'from 192.168.4.21 no', 'no ip'], ['app=api | from 192.168.4.7 ok']],
  ['|= ip("10.0.0.0/8")', ['x=10.1.2.3', 'x=11.1.2.3'], ['app=api | x=10.1.2.3']],
  ['!= ip("10.0.0.0/8")', ['x=10.1.2.3', 'x=11.1.2.3'], ['app=api | x=11.1.2.3']],
  ['|= ip("2001:db8::/32")', ['peer 2001:db8::1 up', 'peer 2001:db9::1 up'], ['app=api | peer 2001:db8::1 up']],
  ['| logfmt | addr = ip("192.168.0.0/16")', ['addr=192.168.1.1', 'addr=10.0.0.1', 'addr=nope'], ['addr=192.168.1.1,app=api | addr=192.168.1.1']],
  ['| logfmt | addr != ip("192.168.0.0/16")', ['addr=192.168.1.1', 'addr=10.0.0.1'], ['addr=10.0.0.1,app=api | addr=10.0.0.1']],
  ['|= "bc"', ['ab', 'cd', 'xbcx', 'bc'], ['app=api | xbcx', 'app=api | bc']],
  ['|= "a" |= "b"', ['a', 'ab', 'b', 'ba'], ['app=api | ab', 'app=api | ba']],
];

for (const [pipeline, lines, want] of cases)
  test(`${pipeline} over ${JSON.stringify(lines).slice(0, 60)}`, (t) => {
    t.deepEqual(run(pipeline, lines, pipeline.includes('trace_id') ? [[['trace_id', 't1']], [['trace_id', 't2']]] : undefined), want);
  });

const source: Source = {
  async *select(matchers) {
    const b = batchOf(stream, [[1_000_000_000n, 'level=info latency=10'], [2_000_000_000n, 'level=error latency=oops'], [3_000_000_000n, 'level=error latency=30']]);
    if (compileMatchers(matchers)(b.labels)) yield b;
  },
};
const at3 = { start: 3_000_000_000n, end: 3_000_000_000n, step: 0, direction: 'backward' as const, limit: 100, instant: true };

test('a metric query where a line keeps __error__ fails with Loki\'s pipeline error', async (t) => {
  await t.throwsAsync(() => evaluate(parseExpr('sum_over_time({app="api"} | logfmt | unwrap latency [5s])'), at3, source), {
    message: `pipeline error: 'SampleExtractionErr' for series: '{__error__="SampleExtractionErr", app="api", level="error"}'.\nUse a label filter to intercept this error.`,
  });
});

test('with | __error__="" after unwrap only the clean lines count', async (t) => {
  const r = await evaluate(parseExpr('sum by (app) (sum_over_time({app="api"} | logfmt | unwrap latency | __error__="" [5s]))'), at3, source);
  t.deepEqual(r, { resultType: 'vector', result: [{ metric: { app: 'api' }, value: [3, '40'] }] });
});

test('count_over_time by the level a parser extracted', async (t) => {
  const r = await evaluate(parseExpr('sum by (level) (count_over_time({app="api"} | logfmt [5s]))'), at3, source);
  t.deepEqual(r, { resultType: 'vector', result: [{ metric: { level: 'info' }, value: [3, '1'] }, { metric: { level: 'error' }, value: [3, '2'] }] });
});

test('a json parse failure in a metric query is a pipeline error naming JSONParserErr', async (t) => {
  await t.throwsAsync(() => evaluate(parseExpr('count_over_time({app="api"} | json [5s])'), at3, source), { message: /^pipeline error: 'JSONParserErr' for series/ });
});
