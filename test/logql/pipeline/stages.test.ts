import test from 'ava';
import { batchOf } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { parseExpr } from '../../../logql/parser/index.ts';
import { evaluate, type Source } from '../../../logql/eval/index.ts';
import { compileMatchers } from '../../../model/matchers.ts';
import { runPipeline } from './run-pipeline.ts';

const stream: Labels = [['app', 'api']];

/** Runs `{app="api"} <pipeline>` over lines; each surviving entry as `labels | line`. */
function run(pipeline: string, lines: string[], meta?: Array<Labels | undefined>): string[] {
  return runPipeline(pipeline, lines, stream, meta).map((o) => `${o.labels} | ${o.line}`);
}

const cases: Array<[string, string[], string[]]> = [
  ['| json', ['{"level":"error","req":{"method":"GET","path":"/a"},"n":3,"ok":true,"tags":["x"]}'], ['app=api,level=error,n=3,ok=true,req_method=GET,req_path=/a | {"level":"error","req":{"method":"GET","path":"/a"},"n":3,"ok":true,"tags":["x"]}']],
  ['| json m="req.method", first="tags[0]"', ['{"req":{"method":"PUT"},"tags":["t1","t2"]}'], ['app=api,first=t1,m=PUT | {"req":{"method":"PUT"},"tags":["t1","t2"]}']],
  ['| json', ['not json'], ["__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,app=api | not json"]],
  ['| json | __error__=""', ['not json', '{"a":"1"}'], ['a=1,app=api | {"a":"1"}']],
  ['| json | __error__!=""', ['not json', '{"a":"1"}'], ["__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,app=api | not json"]],
  ['| json', ['{"app":"other"}'], ['app=api,app_extracted=other | {"app":"other"}']],
  ['| logfmt', ['level=info msg="hello world" dur=5ms'], ['app=api,dur=5ms,level=info,msg=hello world | level=info msg="hello world" dur=5ms']],
  ['| logfmt level', ['level=warn other=x'], ['app=api,level=warn | level=warn other=x']],
  ['| logfmt --keep-empty', ['a=1 flag'], ['a=1,app=api,flag= | a=1 flag']],
  ['| logfmt', ['a=1 flag'], ['a=1,app=api,flag= | a=1 flag']],
  ['| logfmt', ['msg="héllo wörld ✓" city=Zürich'], ['app=api,city=Zürich,msg=héllo wörld ✓ | msg="héllo wörld ✓" city=Zürich']],
  ['| logfmt', ['msg="say \\"hi\\"\\n" a"b c=1 d=x"y'], ['__error__=LogfmtParserErr,__error_details__=logfmt syntax error at pos 21 : unexpected \'"\',app=api,msg=say "hi"\n | msg="say \\"hi\\"\\n" a"b c=1 d=x"y']],
  ['| logfmt', ['trace-id=7 1st=a'], ['_1st=a,app=api,trace_id=7 | trace-id=7 1st=a']],
  ['| logfmt', ['a=1 b=2', 'b=3 a=4', 'a=5'], ['a=1,app=api,b=2 | a=1 b=2', 'a=4,app=api,b=3 | b=3 a=4', 'a=5,app=api | a=5']],
  ['| logfmt --strict', ['a=1 b="unterminated'], ['__error__=LogfmtParserErr,__error_details__=logfmt syntax error at pos 20 : unterminated quoted value,a=1,app=api | a=1 b="unterminated']],
  ['| logfmt | level="error"', ['level=error', 'level=info'], ['app=api,level=error | level=error']],
  ['| logfmt | status >= 500', ['status=503', 'status=200', 'status=500'], ['app=api,status=503 | status=503', 'app=api,status=500 | status=500']],
  ['| logfmt | dur > 1s', ['dur=1500ms', 'dur=200ms', 'dur=2m'], ['app=api,dur=1500ms | dur=1500ms', 'app=api,dur=2m | dur=2m']],
  ['| logfmt | size > 1KB', ['size=2KB', 'size=10B'], ['app=api,size=2KB | size=2KB']],
  ['| logfmt | status > 100', ['status=abc'], ['__error__=LabelFilterErr,__error_details__=strconv.ParseFloat: parsing "abc": invalid syntax,app=api,status=abc | status=abc']],
  // an entry already in error passes a numeric filter: only string matchers drop it (Loki's rule)
  ['| json | n > 5', ['not json', '{"n":9}', '{"n":1}'], ["__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,app=api | not json", 'app=api,n=9 | {"n":9}']],
  ['| logfmt | status > 100 | status < 1000', ['status=abc', 'status=abc 5'], ['__error__=LabelFilterErr,__error_details__=strconv.ParseFloat: parsing "abc": invalid syntax,app=api,status=abc | status=abc', '_5=,__error__=LabelFilterErr,__error_details__=strconv.ParseFloat: parsing "abc": invalid syntax,app=api,status=abc | status=abc 5']],
  ['| logfmt | size > 1KB', ['size=big'], ['__error__=LabelFilterErr,__error_details__=strconv.ParseFloat: parsing "": invalid syntax,app=api,size=big | size=big']],
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
  ['| json | level="error" or level="warn"', ['{"level":"warn"}', '{"level":"info"}', '{"level":"error"}'], ['app=api,level=warn | {"level":"warn"}', 'app=api,level=error | {"level":"error"}']],
  ['| json | status >= 400 and status < 500', ['{"status":404}', '{"status":500}', '{"status":200}'], ['app=api,status=404 | {"status":404}']],
  ['| json | user_name="bob"', ['{"user":{"name":"bob"}}', '{"user":{"name":"amy"}}'], ['app=api,user_name=bob | {"user":{"name":"bob"}}']],
  ['| json | tags=""', ['{"tags":["a"]}'], ['app=api | {"tags":["a"]}']],
  ['| json list="list"', ['{"list":[1,"a"]}'], ['app=api,list=[1,"a"] | {"list":[1,"a"]}']],
  ['| json obj="o"', ['{"o":{"k":1}}'], ['app=api,obj={"k":1} | {"o":{"k":1}}']],
  ['| json k="[\\"a.b\\"]"', ['{"a.b":"dotted"}'], ['app=api,k=dotted | {"a.b":"dotted"}']],
  ['| json | line_format "{{.msg}}"', ['{"msg":"multi\\nline"}'], ['app=api,msg=multi\nline | multi\nline']],
  ['| json | __error__="" | line_format "{{.a}}"', ['{"a":"1"}', 'oops'], ['a=1,app=api | 1']],
  ['| json | json', ['{"a":"1"}'], ['a=1,app=api | {"a":"1"}']],
  ['| logfmt | json', ['a=1'], ["__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,a=1,app=api | a=1"]],
  // a parser runs after another one failed, as in Loki
  ['| json | logfmt', ['not json a=1'], ["__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,a=1,app=api,json=,not= | not json a=1"]],
  ['| logfmt | app="x"', ['app=x'], []],
  ['| logfmt | app_extracted="x"', ['app=x'], ['app=api,app_extracted=x | app=x']],
  ['| logfmt | drop app_extracted', ['app=x'], ['app=api | app=x']],
  ['| logfmt --strict | __error__=""', ['a=1 b=2', 'a=1 "b'], ['a=1,app=api,b=2 | a=1 b=2']],
  ['| logfmt', ['   '], ['app=api |    ']],
  ['| logfmt', ['=novalue a=1'], ["__error__=LogfmtParserErr,__error_details__=logfmt syntax error at pos 1 : unexpected '=',app=api | =novalue a=1"]],
  ['| logfmt', ['k="unterminated'], ['__error__=LogfmtParserErr,__error_details__=logfmt syntax error at pos 16 : unterminated quoted value,app=api | k="unterminated']],
  ['| logfmt a, b', ['a=1 b=2 c=3'], ['a=1,app=api,b=2 | a=1 b=2 c=3']],
  ['| logfmt x="a"', ['a=1'], ['app=api,x=1 | a=1']],
  ['| regexp "^(?P<first>\\\\S+)"', ['hello world'], ['app=api,first=hello | hello world']],
  ['| regexp "(?P<app>api)"', ['api call'], ['app=api,app_extracted=api | api call']],
  ['| pattern "<_> <level>:"', ['ts error: boom'], ['app=api,level=error | ts error: boom']],
  ['| pattern "[<ts>] <msg>"', ['[12:00] started', 'no brackets'], ['app=api,msg=started,ts=12:00 | [12:00] started', 'app=api | no brackets']],
  ['| unpack | line_format "{{.pod}}: {{__line__}}"', ['{"_entry":"x","pod":"p"}'], ['app=api,pod=p | p: x']],
  // Loki sets labels only when the line was packed (has _entry)
  ['| unpack', ['{"n":1,"s":"v"}'], ['app=api | {"n":1,"s":"v"}']],
  ['| drop app', ['x'], [' | x']],
  ['| keep nothing_here', ['x'], [' | x']],
  ['| logfmt | keep a, b="2"', ['a=1 b=2 c=3', 'a=1 b=3'], ['a=1,b=2 | a=1 b=2 c=3', 'a=1 | a=1 b=3']],
  ['| logfmt | drop a, b', ['a=1 b=2 c=3'], ['app=api,c=3 | a=1 b=2 c=3']],
  ['| decolorize', ['plain'], ['app=api | plain']],
  ['| decolorize |= "red"', ['\u001b[31mred\u001b[0m'], ['app=api | red']],
  ['|= "\u001b" | decolorize', ['\u001b[32mok\u001b[0m', 'none'], ['app=api | ok']],
  ['| logfmt | n > 1 | n < 3', ['n=0', 'n=2', 'n=4'], ['app=api,n=2 | n=2']],
  ['| logfmt | n > 1e2', ['n=150', 'n=50'], ['app=api,n=150 | n=150']],
  ['| logfmt | s > 1KiB', ['s=2KB', 's=999B'], ['app=api,s=2KB | s=2KB']],
  ['| logfmt | d == 1s', ['d=1000ms', 'd=1s', 'd=2s'], ['app=api,d=1000ms | d=1000ms', 'app=api,d=1s | d=1s']],
  ['| logfmt | d > 1s', ['d=fast'], ['__error__=LabelFilterErr,__error_details__=time: invalid duration "fast",app=api,d=fast | d=fast']],
  ['| logfmt | d > 1s', ['d=5d', 'd=1h'], ['__error__=LabelFilterErr,__error_details__=time: unknown unit "d" in duration "5d",app=api,d=5d | d=5d', 'app=api,d=1h | d=1h']],
  ['| logfmt | d > 1s | __error__=""', ['d=fast', 'd=2s'], ['app=api,d=2s | d=2s']],
  // label regexes match the whole value, as Prometheus anchors them
  ['| logfmt | a=~"^x"', ['a=xy', 'a=yx'], []],
  ['| logfmt | a=~"x.*"', ['a=xy', 'a=yx'], ['a=xy,app=api | a=xy']],
  ['| logfmt | a=~"x"', ['a=xy'], []],
  ['| logfmt | a!~"x|y"', ['a=x', 'a=z'], ['a=z,app=api | a=z']],
  ['|= "a" |= "b" |= "c"', ['abc', 'ab', 'cab'], ['app=api | abc', 'app=api | cab']],
  ['!= "a" != "b"', ['a', 'b', 'c', 'ab'], ['app=api | c']],
  ['|~ "a|b" !~ "c"', ['a', 'bc', 'x'], ['app=api | a']],
  ['|= `back\\tick`', ['back\\tick', 'back\ttick'], ['app=api | back\\tick']],
  ['|= "tab\\there"', ['tab\there', 'tab\\there'], ['app=api | tab\there']],
  ['| logfmt | line_format `{{ .a | lower }}`', ['a=MiXeD'], ['a=MiXeD,app=api | mixed']],
  ['| logfmt | line_format `{{ .a | title }}`', ['a=hello'], ['a=hello,app=api | Hello']],
  ['| logfmt | line_format `{{ .a | trim }}`', ['a=" x "'], ['a= x ,app=api | x']],
  ['| logfmt | line_format `{{ .a | trimPrefix "v" }}`', ['a=v1.2'], ['a=v1.2,app=api | 1.2']],
  ['| logfmt | line_format `{{ .a | trimSuffix ".go" }}`', ['a=main.go'], ['a=main.go,app=api | main']],
  ['| logfmt | line_format `{{ if contains "err" .a }}bad{{ end }}`', ['a=error', 'a=fine'], ['a=error,app=api | bad', 'a=fine,app=api | ']],
  ['| logfmt | line_format `{{ if hasPrefix "GET" .m }}read{{ else }}write{{ end }}`', ['m=GET', 'm=POST'], ['app=api,m=GET | read', 'app=api,m=POST | write']],
  ['| logfmt | line_format `{{ .a | repeat 3 }}`', ['a=ab'], ['a=ab,app=api | ababab']],
  ['| logfmt | line_format `{{ sub .a .b }}`', ['a=10 b=4'], ['a=10,app=api,b=4 | 6']],
  ['| logfmt | line_format `{{ mul .a .b }}`', ['a=6 b=7'], ['a=6,app=api,b=7 | 42']],
  ['| logfmt | line_format `{{ div .a .b }}`', ['a=7 b=2'], ['a=7,app=api,b=2 | 3']],
  ['| logfmt | line_format `{{ mod .a .b }}`', ['a=7 b=2'], ['a=7,app=api,b=2 | 1']],
  ['| logfmt | line_format `{{ addf .a .b }}`', ['a=0.1 b=0.2'], ['a=0.1,app=api,b=0.2 | 0.3']],
  ['| logfmt | line_format `{{ max .a .b 9 }}`', ['a=3 b=12'], ['a=3,app=api,b=12 | 12']],
  ['| logfmt | line_format `{{ min .a .b }}`', ['a=3 b=12'], ['a=3,app=api,b=12 | 3']],
  ['| logfmt | line_format `{{ floor .a }} {{ ceil .a }} {{ round .a 0 }}`', ['a=2.5'], ['a=2.5,app=api | 2 3 3']],
  ['| logfmt | line_format `{{ .a | b64enc }}`', ['a=hi'], ['a=hi,app=api | aGk=']],
  ['| logfmt | line_format `{{ .a | b64dec }}`', ['a="aGk="'], ['a=aGk=,app=api | hi']],
  ['| logfmt | line_format `{{ .a | urlencode }}`', ['a="a b&c"'], ['a=a b&c,app=api | a+b%26c']],
  ['| logfmt | line_format `{{ .a | urldecode }}`', ['a=a%20b'], ['a=a%20b,app=api | a b']],
  ['| logfmt | line_format `{{ count "a" .s }}`', ['s=banana'], ['app=api,s=banana | 3']],
  ['| logfmt | line_format `{{ .s | substr 1 3 }}`', ['s=banana'], ['app=api,s=banana | an']],
  ['| logfmt | line_format `{{ .s | replace "na" "" }}`', ['s=banana'], ['app=api,s=banana | ba']],
  ['| logfmt | line_format `{{ regexReplaceAllLiteral "a+" .s "$1" }}`', ['s=baab'], ['app=api,s=baab | b$1b']],
  ['| logfmt | line_format `{{ .s | trunc 1 }}|`', ['s=éa'], ['app=api,s=éa | \ufffd|']],
  ['| logfmt | line_format `{{ .s | substr 1 3 }}|`', ['s=éa'], ['app=api,s=éa | \ufffda|']],
  ['| logfmt | line_format `{{ $x := .a }}{{ $x }}{{ $x }}`', ['a=z'], ['a=z,app=api | zz']],
  ['| logfmt | line_format `{{ with .a }}[{{ . }}]{{ else }}none{{ end }}`', ['a=q', 'b=1'], ['a=q,app=api | [q]', 'app=api,b=1 | none']],
  ['| logfmt | line_format `{{ and .a .b }}-{{ or .a .b }}`', ['a=1'], ['a=1,app=api | -1']],
  ['| logfmt | line_format `{{ not .a }}`', ['b=1'], ['app=api,b=1 | true']],
  ['| logfmt | line_format `{{ len .a }}`', ['a=héllo'], ['a=héllo,app=api | 6']],
  ['| logfmt | line_format `{{- .a -}} `', ['a=x'], ['a=x,app=api | x']],
  ['| logfmt | line_format `{{/* note */}}{{ .a }}`', ['a=x'], ['a=x,app=api | x']],
  ['| logfmt | line_format `{{ .a | printf "%q" }}`', ['a=x'], ['a=x,app=api | "x"']],
  ['| logfmt | line_format `{{ printf "%.2f" (float64 .a) }}`', ['a=3.14159'], ['a=3.14159,app=api | 3.14']],
  ['| logfmt | line_format `{{ printf "%-4s|" .a }}`', ['a=x'], ['a=x,app=api | x   |']],
  ['| logfmt | line_format `{{ .a | int | add 1 }}`', ['a=41'], ['a=41,app=api | 42']],
  ['| logfmt | label_format n="{{ add .n 1 }}" | n > 5', ['n=5', 'n=3'], ['app=api,n=6 | n=5']],
  ['| logfmt | label_format a="{{.b}}", b="{{.a}}"', ['a=1 b=2'], ['a=2,app=api,b=1 | a=1 b=2']],
  ['| logfmt | label_format x="{{ __line__ | len }}"', ['a=1'], ['a=1,app=api,x=3 | a=1']],
  ['| logfmt | line_format "{{ .msg | ToUpper }}"', ['msg=hi'], ['app=api,msg=hi | HI']],
  ['| logfmt | line_format "{{ .a }}/{{ .missing }}/"', ['a=1'], ['a=1,app=api | 1//']],
  ['| logfmt | line_format `{{ if eq .level "error" }}E{{ else }}-{{ end }}`', ['level=error', 'level=info'], ['app=api,level=error | E', 'app=api,level=info | -']],
  ['| logfmt | line_format `{{ printf "%05d" (int .n) }}`', ['n=42'], ['app=api,n=42 | 00042']],
  ['| logfmt | line_format "{{ add .a .b }}"', ['a=2 b=3'], ['a=2,app=api,b=3 | 5']],
  ['| logfmt | line_format "{{ .s | trunc 3 }}"', ['s=abcdef'], ['app=api,s=abcdef | abc']],
  ['| logfmt | line_format `{{ regexReplaceAll "(\\\\d+)ms" .d "${1} millis" }}`', ['d=250ms'], ['app=api,d=250ms | 250 millis']],
  ['| logfmt | line_format `{{ .s | replace "a" "o" }}`', ['s=banana'], ['app=api,s=banana | bonono']],
  ['| logfmt | line_format `{{ default "none" .x }}`', ['y=1'], ['app=api,y=1 | none']],
  ['| line_format "{{ __line__ | len }}"', ['abcd'], ['app=api | 4']],
  ['| logfmt | label_format up="{{ .a | upper }}"', ['a=x'], ['a=x,app=api,up=X | a=x']],
  ['| logfmt | label_format app=a', ['a=x'], ['app=x | a=x']],
  ['| logfmt | label_format b=missing', ['a=x'], ['a=x,app=api | a=x']],
  ['| json | keep app, level=~"e.*"', ['{"level":"error","x":1}', '{"level":"info"}'], ['app=api,level=error | {"level":"error","x":1}', 'app=api | {"level":"info"}']],
  ['| json | drop level=~"i.*"', ['{"level":"error"}', '{"level":"info"}'], ['app=api,level=error | {"level":"error"}', 'app=api | {"level":"info"}']],
  ['| json a="list[1]", b="obj.deep.k"', ['{"list":[1,2,3],"obj":{"deep":{"k":"v"}}}'], ['a=2,app=api,b=v | {"list":[1,2,3],"obj":{"deep":{"k":"v"}}}']],
  ['| json x="missing"', ['{"a":1}'], ['app=api,x= | {"a":1}']],
  ['| json', ['{"a-b":1,"c.d":"e","1x":true}'], ['_1x=true,a_b=1,app=api,c_d=e | {"a-b":1,"c.d":"e","1x":true}']],
  ['| json', ['{"n":null,"f":1.5,"neg":-2}'], ['app=api,f=1.5,neg=-2 | {"n":null,"f":1.5,"neg":-2}']],
  ['| json', ['[1,2]'], ["__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,app=api | [1,2]"]],
  ['| logfmt', ['msg="quoted \\"inner\\" text" n=1'], ['app=api,msg=quoted "inner" text,n=1 | msg="quoted \\"inner\\" text" n=1']],
  ['| logfmt', ['key=with=equals'], ["__error__=LogfmtParserErr,__error_details__=logfmt syntax error at pos 9 : unexpected '=',app=api | key=with=equals"]],
  ['| logfmt', ['a=1 a=2'], ['a=2,app=api | a=1 a=2']],
  ['| logfmt | n > 1.5', ['n=1.6', 'n=1.5', 'n=-3'], ['app=api,n=1.6 | n=1.6']],
  ['| logfmt | n == 2', ['n=2', 'n=2.0', 'n=3'], ['app=api,n=2 | n=2', 'app=api,n=2.0 | n=2.0']],
  ['| logfmt | n != 2', ['n=2', 'n=3'], ['app=api,n=3 | n=3']],
  ['| logfmt | n <= 2', ['n=2', 'n=3'], ['app=api,n=2 | n=2']],
  ['| logfmt | n < 2', ['n=2', 'n=1'], ['app=api,n=1 | n=1']],
  ['| logfmt | d <= 1m', ['d=59s', 'd=1m1s', 'd=60s'], ['app=api,d=59s | d=59s', 'app=api,d=60s | d=60s']],
  ['| logfmt | d > 1h', ['d=90m', 'd=1h'], ['app=api,d=90m | d=90m']],
  ['| logfmt | b >= 1MiB', ['b=1048576B', 'b=1MB', 'b=2MiB'], ['app=api,b=1048576B | b=1048576B', 'app=api,b=2MiB | b=2MiB']],
  ['| logfmt | missing > 1', ['a=1'], []],
  ['| logfmt | missing=""', ['a=1'], ['a=1,app=api | a=1']],
  ['| logfmt | missing!=""', ['a=1'], []],
  ['|~ "(?i)ERROR"', ['an error', 'fine'], ['app=api | an error']],
  ['|~ "^a.c$"', ['abc', 'xabc'], ['app=api | abc']],
  ['!~ "\\\\d"', ['a1', 'ab'], ['app=api | ab']],
  ['|~ "a" or "b" != "c"', ['a', 'bc', 'd'], ['app=api | a']],
  ['!= "a" or "b"', ['a', 'b', 'c'], ['app=api | c']],
  ['|= "é"', ['café', 'cafe'], ['app=api | café']],
  ['| logfmt | level="error" | line_format "{{.msg}}" | decolorize', ['level=error msg="\u001b[1mbold\u001b[0m"'], ['app=api,level=error,msg=\u001b[1mbold\u001b[0m | bold']],
  ['| regexp "(?P<a>x+)(?P<b>y*)"', ['xxyy', 'zzz'], ['a=xx,app=api,b=yy | xxyy', 'app=api | zzz']],
  // a capture whose closing literal is missing takes the rest of the line (Loki's matcher)
  ['| pattern "<a> <b>"', ['one two three', 'single'], ['a=one,app=api,b=two three | one two three', 'a=single,app=api | single']],
  ['| pattern "[<a>] <b>"', ['[x] y', 'x] y'], ['a=x,app=api,b=y | [x] y', 'app=api | x] y']],
  ['|= ip("192.168.4.5-192.168.4.20")', ['from 192.168.4.7 ok', 'from 192.168.4.21 no', 'no ip'], ['app=api | from 192.168.4.7 ok']],
  ['|= ip("10.0.0.0/8")', ['x=10.1.2.3', 'x=11.1.2.3'], ['app=api | x=10.1.2.3']],
  ['!= ip("10.0.0.0/8")', ['x=10.1.2.3', 'x=11.1.2.3'], ['app=api | x=11.1.2.3']],
  ['|= ip("2001:db8::/32")', ['peer 2001:db8::1 up', 'peer 2001:db9::1 up'], ['app=api | peer 2001:db8::1 up']],
  ['| logfmt | addr = ip("192.168.0.0/16")', ['addr=192.168.1.1', 'addr=10.0.0.1', 'addr=nope'], ['addr=192.168.1.1,app=api | addr=192.168.1.1']],
  ['| logfmt | addr != ip("192.168.0.0/16")', ['addr=192.168.1.1', 'addr=10.0.0.1'], ['addr=10.0.0.1,app=api | addr=10.0.0.1']],
  // without the label neither = nor != keeps the entry, as in Loki
  ['| logfmt | addr != ip("192.168.0.0/16")', ['other=1', 'addr=10.0.0.1'], ['addr=10.0.0.1,app=api | addr=10.0.0.1']],
  ['|= "bc"', ['ab', 'cd', 'xbcx', 'bc'], ['app=api | xbcx', 'app=api | bc']],
  ['|= "a" |= "b"', ['a', 'ab', 'b', 'ba'], ['app=api | ab', 'app=api | ba']],
];

for (const [pipeline, lines, want] of cases)
  test(`${pipeline} over ${JSON.stringify(lines).slice(0, 60)}`, (t) => {
    t.deepEqual(run(pipeline, lines, pipeline.includes('trace_id') ? [[['trace_id', 't1']], [['trace_id', 't2']]] : undefined), want);
  });

test('logfmt keeps every field of lines with more keys than its key cache holds, in any order', (t) => {
  const fields = (n: number, shift: number) => Array.from({ length: n }, (_, k) => `k${(k + shift) % n}=v${(k + shift) % n}`).join(' ');
  const out = run('| logfmt', [fields(700, 0), fields(700, 350)]);
  const names = Array.from({ length: 700 }, (_, k) => `k${k}`).sort();
  const want = ['app=api', ...names.map((n) => `${n}=v${n.slice(1)}`)].join(',');
  t.deepEqual(out.map((o) => o.split(' | ')[0]), [want, want]);
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
    message:
      // with an error set, Loki keeps every label (the unwrapped one and __error_details__ too)
      `pipeline error: 'SampleExtractionErr' for series: '{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \\"oops\\": invalid syntax", app="api", latency="oops", level="error"}'.\n` +
      'Use a label filter to intentionally skip this error. (e.g | __error__!="SampleExtractionErr").\n' +
      'To skip all potential errors you can match empty errors.(e.g __error__="")\n' +
      'The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__="" )\n',
  });
});

test('with | __error__="" after unwrap only the clean lines count', async (t) => {
  const r = await evaluate(parseExpr('sum by (app) (sum_over_time({app="api"} | logfmt | unwrap latency | __error__="" [5s]))'), at3, source);
  t.deepEqual(r, { resultType: 'vector', result: [{ metric: { app: 'api' }, value: [3, '40'] }] });
});

test('count_over_time by the level a parser extracted', async (t) => {
  const r = await evaluate(parseExpr('sum by (level) (count_over_time({app="api"} | logfmt [5s]))'), at3, source);
  t.deepEqual(r, { resultType: 'vector', result: [{ metric: { level: 'error' }, value: [3, '2'] }, { metric: { level: 'info' }, value: [3, '1'] }] });
});

test('a json parse failure in a metric query is a pipeline error naming JSONParserErr', async (t) => {
  await t.throwsAsync(() => evaluate(parseExpr('count_over_time({app="api"} | json [5s])'), at3, source), { message: /^pipeline error: 'JSONParserErr' for series/ });
});
