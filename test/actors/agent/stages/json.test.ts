import test from 'ava';
import { pipeline, view } from '../../../helpers/pipeline.ts';

test('expressions take values by JMESPath field paths, keeping numbers, booleans and null, objects as JSON text', (t) => {
  const p = pipeline(`
- json:
    expressions:
      level: ''
      user: req.user.name
      first: 'tags[0]'
      last: 'tags[-1]'
      dotted: '"a.b"'
      obj: req.user
      n: count
      ok: ok
      missing: nope.deeper
`);
  p.push('{"level":"warn","req":{"user":{"name":"ann","id":7}},"tags":["x","y"],"a.b":"dot","count":3.5,"ok":true}');
  t.deepEqual(view(p.out[0]).extracted, {
    level: 'warn',
    user: 'ann',
    first: 'x',
    last: 'y',
    dotted: 'dot',
    obj: '{"name":"ann","id":7}',
    n: 3.5,
    ok: true,
    missing: null,
  });
});

test('a line that is no JSON object passes unchanged, or is dropped with drop_malformed', (t) => {
  const keep = pipeline(`[{ json: { expressions: { a: '' } } }]`);
  keep.push('not json');
  keep.push('[1,2]');
  t.is(keep.out.length, 2);
  t.deepEqual(view(keep.out[0]).extracted, {});
  const drop = pipeline(`[{ json: { expressions: { a: '' }, drop_malformed: true } }]`);
  drop.push('not json');
  drop.push('{"a":1}');
  t.deepEqual(drop.dropped, ['malformed_json']);
  t.is(drop.out.length, 1);
  drop.release();
  t.is(drop.acked(), 'not json\n{"a":1}\n'.length, 'a dropped line counts as done');
});

test('JMESPath beyond field paths is refused at startup', (t) => {
  t.throws(() => pipeline(`[{ json: { expressions: { a: 'items[?x > 1]' } } }]`), { message: /unsupported JMESPath/ });
});
