import test from 'ava';
import { pipeline, view } from '../../../helpers/pipeline.ts';

test('extracted values become labels (empty: the same name); keys not extracted are skipped; other entries keep their own labels', (t) => {
  const p = pipeline(`
- logfmt: { mapping: { level: '', app: '' } }
- labels: { level: '', service: app, absent: '' }
`);
  p.push('level=warn app=api', { job: 'a' });
  p.push('nothing', { job: 'a' });
  t.deepEqual(view(p.out[0]).labels, { job: 'a', level: 'warn', service: 'api' });
  t.deepEqual(view(p.out[1]).labels, { job: 'a' });
});

test('an invalid label name is refused at startup', (t) => {
  t.throws(() => pipeline(`[{ labels: { 'bad-name': '' } }]`), { message: /invalid label name "bad-name"/ });
});
