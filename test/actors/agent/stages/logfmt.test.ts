import test from 'ava';
import { pipeline, view } from '../../../helpers/pipeline.ts';

test('mapping takes logfmt keys (empty: the name itself); quoted values are unescaped, bare keys are empty, absent keys are not set', (t) => {
  const p = pipeline(`
- logfmt:
    mapping:
      level: ''
      message: msg
      flag: ''
      missing: ''
`);
  p.push('level=info msg="hello \\"you\\"" flag duration=3ms');
  t.deepEqual(view(p.out[0]).extracted, { level: 'info', message: 'hello "you"', flag: '' });
});

test('with source it reads an extracted value; a syntax error keeps what came before it', (t) => {
  const p = pipeline(`
- regex: { expression: '^\\S+ (?P<rest>.*)$' }
- logfmt: { mapping: { a: '', b: '' }, source: rest }
`);
  p.push('prefix a=1 b="unterminated');
  t.deepEqual(view(p.out[0]).extracted, { rest: 'a=1 b="unterminated', a: '1' });
});
