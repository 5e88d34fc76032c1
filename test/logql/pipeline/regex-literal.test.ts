// A `|~` filter scans each batch for a literal its pattern needs before it runs the regex: the
// literal must be one every match holds, or lines that match would be lost.
import test from 'ava';
import RE2 from 're2';
import { regexLiteral } from '../../../logql/pipeline/regex-literal.ts';
import { runPipeline } from './run-pipeline.ts';

test('the literal is the longest run every match holds, or none when that is not certain', (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['status=5..', 'status=5'],
    ['status=5[0-9]{2}', 'status=5'],
    ['duration=\\d+ms', 'duration='],
    ['foo\\.bar+', 'foo.ba'],
    ['err(or)?', 'err'],
    ['x(a|b)yyyy', 'yyyy'],
    ['(ab){2}xyz', 'xyz'],
    ['[]abc]defg', 'defg'],
    ['[[:alpha:]]+ zzz', ' zzz'],
    ['ab*cde', 'cde'],
    ['^level=error$', 'level=error'],
    // an alternative at the top, flags, or an escape read no further
    ['abc|def', undefined],
    ['(?i)error', undefined],
    ['\\p{Greek}abc', undefined],
    ['\\x41bcd', undefined],
    ['\\Qa.b\\E', undefined],
    ['a{bcd', undefined],
    // too short to pay
    ['a{2}bcd{1,3}', undefined],
    ['ab', undefined],
  ];
  for (const [p, want] of cases) t.is(regexLiteral(p), want, p);
});

test('a regex filter keeps exactly the lines RE2 matches', (t) => {
  const lines = [
    'status=500 path=/a',
    'status=404 path=/b',
    'STATUS=503',
    'status=5',
    'xx status=599yy',
    'duration=12ms',
    'duration=ms',
    'foo.barrr',
    'fooxbar',
    'error',
    'err',
    'an erroror',
    'zzz xyz abab',
    'ababxyz',
    'level=error',
    'x level=error',
    'yyyy xb',
    'xayyyy',
    'α status=5é0',
    'the color red',
    'the colour red',
    '',
  ];
  const patterns = ['status=5..', 'status=5[0-9]{2}', 'duration=\\d+ms', 'foo\\.bar+', 'err(or)?$', 'x(a|b)yyyy', '(ab){2}xyz', '^level=error$', 'status=5.0', '(?i)status=5', 'abc|error', 'colou?r red'];
  for (const p of patterns) {
    const re = new RE2(p);
    const want = lines.filter((l) => re.test(Buffer.from(l)));
    // and once behind a literal filter, so the scan is not always the first stage's
    t.deepEqual(runPipeline(`|~ \`${p}\``, lines).map((e) => e.line), want, p);
    t.deepEqual(runPipeline(`|= "s" |~ \`${p}\``, lines).map((e) => e.line), want.filter((l) => l.includes('s')), `|= "s" ${p}`);
  }
});
