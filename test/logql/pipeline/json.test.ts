// The json and unpack stages against answers taken from Loki v2.8.11 (its differential oracle).
import test from 'ava';
import { runPipeline } from './run-pipeline.ts';

/** `{app="api"} <pipeline>` over one line: its labels as `n=v,...`, ` | line` when the line changed. */
function labelsOf(pipeline: string, line: string): string {
  return runPipeline(pipeline, [line], [['app', 'api']])
    .map((o) => (o.line === line ? o.labels : `${o.labels} | ${o.line}`))
    .join('\n');
}

const JSON_ERR = '__error__=JSONParserErr,__error_details__=';
const NOT_OBJECT = `${JSON_ERR}Value looks like object, but can't find closing '}' symbol`;

const cases: Array<[string, string, string]> = [
  // null is no label; numbers as written
  ['| json', '{"a":null,"b":1.0,"c":1e3,"d":12345678901234567890,"f":true}', 'app=api,b=1.0,c=1e3,d=12345678901234567890,f=true'],
  ['| json', '{"a":{"b":{"c":"d"}},"x":[1,{"y":2}],"app":"z"}', 'a_b_c=d,app=api,app_extracted=z'],
  ['| json', '{" sp ace ":1,"1a":2,"a":{"1b":3},"é":4}', '_=4,_1a=2,a_1b=3,app=api,sp_ace=1'],
  ['| json', '{"a":"x\\ny","b":"\\u00e9","c":"\\ud83d\\ude00","d":"\\q","e":"\\ud800","f":"\ufffd"}', 'a=x\ny,app=api,b=é,c=😀,d=,e=,f='],
  // what came before an error stays
  ['| json', '{"level":"info"', `${JSON_ERR}Value is array, but can't find closing ']' symbol,app=api,level=info`],
  ['| json', '{"a":1,"b":tru}', `${JSON_ERR}Unknown value type,a=1,app=api`],
  ['| json', '{"a":"unterminated}', `${JSON_ERR}Value is string, but can't find closing '"' symbol,app=api`],
  ['| json', '{"a" 1}', `${JSON_ERR}Malformed JSON error,app=api`],
  ['| json', '{"k\\q":1}', `${JSON_ERR}Encountered an invalid escape sequence in a string,app=api`],
  ['| json', 'not json', `${NOT_OBJECT},app=api`],
  ['| json', '[1,2]', `${NOT_OBJECT},app=api`],
  ['| json', '', `${NOT_OBJECT},app=api`],
  // jsonparser is lenient past the object and about a trailing comma
  ['| json', '{"a":1} trailing', 'a=1,app=api'],
  ['| json', '{"a":1,}', 'a=1,app=api'],
  // with parameters: values as written, strings decoded, "" for null or nothing; a bad line gets no details
  ['| json a, b="x.y", c="arr[1]", d="o"', '{"a":1.50,"x":{"y":"s\\n"},"arr":[0, {"k": 1}],"o":{ "k" : [1, 2] }}', 'a=1.50,app=api,b=s\n,c={"k": 1},d={ "k" : [1, 2] }'],
  ['| json a, b="x"', '{"a":null,"a":2}', 'a=,app=api,b='],
  ['| json a', '[1,2]', 'a=,app=api'],
  ['| json a', '{"a":1', '__error__=JSONParserErr,app=api'],
  ['| json a', '{"a":1.}', '__error__=JSONParserErr,app=api'],
  ['| json a', '123', '__error__=JSONParserErr,app=api'],
  ['| json a', '{"a":1} trailing', 'a=1,app=api'],
  // unpack: labels only from a packed line; json-iterator's error texts
  ['| unpack', '{"_entry":"orig","a":"1","n":2,"o":{"x":1}}', 'a=1,app=api | orig'],
  ['| unpack', '{"a":"1"}', 'app=api'],
  ['| unpack', 'not json', `${JSON_ERR}expecting json object(6), but it is not,app=api`],
  ['| unpack', '{"_entry":"x","a":"1"', `${JSON_ERR}ReadMapCB: object not ended with }, error found in #10 byte of ...|x","a":"1"|..., bigger context ...|{"_entry":"x","a":"1"|...,app=api`],
  ['| unpack', '{"_entry":"e","a" "b"}', `${JSON_ERR}ReadMapCB: expect : after object field, but found ,, error found in #10 byte of ...|:"e","a" "b"}|..., bigger context ...|{"_entry":"e","a" "b"}|...,app=api`],
  ['| unpack', '{"_entry":"e","a":tru}', `${JSON_ERR}skipThreeBytes: expect rue, error found in #10 byte of ...|","a":tru}|..., bigger context ...|{"_entry":"e","a":tru}|...,app=api`],
  ['| unpack', '{"_entry":"e","a":"\\u12"}', `${JSON_ERR}readU4: expects 0~9 or a~f, but found ", error found in #10 byte of ...|"a":"\\u12"}|..., bigger context ...|{"_entry":"e","a":"\\u12"}|...,app=api`],
];

for (const [pipeline, line, want] of cases)
  test(`${pipeline} over ${JSON.stringify(line)}`, (t) => {
    t.is(labelsOf(pipeline, line), want);
  });

test('a line nested deeper than any log is refused as a parse error, not a crash or a stall', (t) => {
  const objects = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
  t.is(labelsOf('| json', objects), `${JSON_ERR}objects nested deeper than 100 levels,app=api`);
  const arrays = `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
  t.regex(labelsOf('| unpack', arrays), /^__error__=JSONParserErr,__error_details__=incrementDepth: exceeded max depth/);
  t.is(labelsOf('| json x="a"', arrays), '__error__=JSONParserErr,app=api');
  // within the bounds, as Loki
  t.is(labelsOf('| json', '{"a":'.repeat(100) + '1' + '}'.repeat(100)), `${'a_'.repeat(99)}a=1,app=api`);
});
