import test from 'ava';
import { pipeline } from '../../../helpers/pipeline.ts';

test('the extracted value source becomes the line; without it the line stays', (t) => {
  const p = pipeline(`
- json: { expressions: { msg: message } }
- output: { source: msg }
`);
  p.push('{"message":"only this","noise":1}');
  p.push('{"other":1}');
  p.push('plain');
  // a JSON null extracted is the empty string, as promtail's getString makes it
  t.deepEqual(p.out.map((e) => e.line), ['only this', '', 'plain']);
});

test('output needs its source', (t) => {
  t.throws(() => pipeline(`[{ output: {} }]`), { message: 'configuration key pipeline_stages[0].output.source is required' });
});
