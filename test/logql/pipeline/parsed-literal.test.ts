// `| json | level="error"` parses only the lines whose bytes hold "error" or a backslash: the
// answers must be those of the same filter written as a regex matcher (`=~"error"`, anchored, so
// the same test), which parses every line.
import test from 'ava';
import type { Labels } from '../../../model/labels.ts';
import { runPipeline } from './run-pipeline.ts';

const lines = [
  '{"level":"error","msg":"disk full"}',
  '{"level":"info","msg":"an error elsewhere"}',
  '{"level":"err\\u006fr","msg":"escaped"}',
  '{"lev\\u0065l":"error"}',
  '{"level":"warn"}',
  '{"nested":{"level":"error"}}',
  '{"level":5}',
  '{"level":true}',
  'not json at all error',
  'level=error msg="a b"',
  'level="err\\x6fr"',
  'level="error" level=info',
  'level=info level=error',
  ' level=error',
  'lvl=error',
  'level=warn status=500',
  '{"level":"error","status":500}',
  '{"level":"error","status":"500"}',
  'level=error status=500',
  'level=error status="50\\u0030"',
  '{"msg":"plain"}',
  'msg=plain',
  '',
];

const cases: Array<[string, string]> = [
  ['| json | level="error"', '| json | level=~"error"'],
  ['| logfmt | level="error"', '| logfmt | level=~"error"'],
  ['| json | level="5"', '| json | level=~"5"'],
  ['| json | level="true"', '| json | level=~"true"'],
  ['| json | nested_level="error"', '| json | nested_level=~"error"'],
  ['| logfmt | level="error" and status="500"', '| logfmt | level=~"error" and status=~"500"'],
  ['| json | status!="" | level="error"', '| json | status!="" | level=~"error"'],
  ['| logfmt --keep-empty | level="error"', '| logfmt --keep-empty | level=~"error"'],
  ['|= "a" | logfmt | level="error"', '|= "a" | logfmt | level=~"error"'],
  ['| json | __error__="JSONParserErr"', '| json | __error__=~"JSONParserErr"'],
  ['| json | level="error" or level="warn"', '| json | level=~"error" or level=~"warn"'],
];

const streams: Labels[] = [
  [['app', 'api']],
  // the stream's own level is what the filter reads: every line of it passes or none does
  [['app', 'api'], ['level', 'error']],
  [['app', 'api'], ['level', 'info']],
];

// metadata gives a level to lines that have none of their own, and to some that have
const meta: Array<Labels | undefined> = lines.map((l, i) => (l.includes('plain') || i % 4 === 1 ? [['level', 'error']] : i % 4 === 2 ? [['level', 'debug']] : undefined));

test('a filter after a parser that scans for its value keeps what parsing every line keeps', (t) => {
  let kept = 0;
  for (const [fast, slow] of cases)
    for (const stream of streams)
      for (const m of [undefined, meta]) {
        const want = runPipeline(slow, lines, stream, m);
        t.deepEqual(runPipeline(fast, lines, stream, m), want, `${fast} on ${JSON.stringify(stream)}${m ? ' with metadata' : ''}`);
        kept += want.length;
      }
  t.true(kept > 100, `${kept} entries kept`);
});
