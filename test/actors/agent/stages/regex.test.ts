import test from 'ava';
import { pipeline, view } from '../../../helpers/pipeline.ts';

test('named groups of the expression become extracted values; a line that does not match passes unchanged', (t) => {
  const p = pipeline(`
- regex:
    expression: '^(?P<ts>\\S+) (?P<level>\\w+) (?P<msg>.*)$'
`);
  p.push('2024-01-02T03:04:05Z info hello world');
  p.push('nothing here');
  t.deepEqual(p.out.map(view), [
    { labels: { job: 'test' }, extracted: { ts: '2024-01-02T03:04:05Z', level: 'info', msg: 'hello world' }, line: '2024-01-02T03:04:05Z info hello world' },
    { labels: { job: 'test' }, extracted: {}, line: 'nothing here' },
  ]);
});

test('with source it reads an extracted value, and does nothing when the value is missing', (t) => {
  const p = pipeline(`
- regex: { expression: '^(?P<user>\\w+)@(?P<host>.+)$', source: email }
- json: { expressions: { email: '' } }
`);
  // the regex runs before json has extracted anything: nothing to read
  p.push('{"email":"ann@example.org"}');
  t.deepEqual(view(p.out[0]).extracted, { email: 'ann@example.org' });
  const q = pipeline(`
- json: { expressions: { email: '' } }
- regex: { expression: '^(?P<user>\\w+)@(?P<host>.+)$', source: email }
`);
  q.push('{"email":"ann@example.org"}');
  t.deepEqual(view(q.out[0]).extracted, { email: 'ann@example.org', user: 'ann', host: 'example.org' });
});

test('an expression that is not RE2 is refused at startup, named', (t) => {
  t.throws(() => pipeline(`[{ regex: { expression: '(?<=a)b' } }]`), { message: /pipeline_stages\[0\]\.regex: invalid regular expression/ });
  t.throws(() => pipeline(`[{ regex: { expression: 'a', sorce: x } }]`), { message: 'unknown configuration key pipeline_stages[0].regex.sorce' });
});
