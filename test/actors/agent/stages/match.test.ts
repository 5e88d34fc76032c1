import test from 'ava';
import { pipeline, view } from '../../../helpers/pipeline.ts';

test('entries the selector matches (labels and line filters) go through the nested stages; others pass unchanged', (t) => {
  const p = pipeline(`
- match:
    selector: '{app="api"} |= "error"'
    stages:
      - regex: { expression: 'code=(?P<code>\\d+)' }
      - labels: { code: '' }
`);
  p.push('error code=500', { app: 'api' });
  p.push('ok code=200', { app: 'api' });
  p.push('error code=503', { app: 'web' });
  t.deepEqual(p.out.map((e) => view(e).labels), [{ app: 'api', code: '500' }, { app: 'api' }, { app: 'web' }]);
});

test('action drop drops what matches, counted under drop_counter_reason (match_stage)', (t) => {
  const p = pipeline(`
- match: { selector: '{app=~"a.*"} !~ "keep"', action: drop }
`);
  p.push('x', { app: 'api' });
  p.push('keep me', { app: 'api' });
  p.push('x', { app: 'web' });
  t.deepEqual(p.out.map((e) => `${e.labels.get('app')} ${e.line}`), ['api keep me', 'web x']);
  t.deepEqual(p.dropped, ['match_stage']);
});

test('a selector with a parser, or a keep without stages, is refused', (t) => {
  t.throws(() => pipeline(`[{ match: { selector: '{a="b"} | json', action: drop } }]`), { message: /stream selector with line filters only/ });
  t.throws(() => pipeline(`[{ match: { selector: '{a="b"}' } }]`), { message: /stages is required when action is keep/ });
});
