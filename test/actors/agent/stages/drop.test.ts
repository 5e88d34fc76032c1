import test from 'ava';
import { pipeline } from '../../../helpers/pipeline.ts';

test('every condition set must hold to drop: expression on the line, longer_than, counted under drop_counter_reason', (t) => {
  const p = pipeline(`
- drop: { expression: debug, longer_than: 10, drop_counter_reason: noisy }
`);
  p.push('debug');
  p.push('debug but long enough');
  p.push('info but long enough');
  t.deepEqual(p.out.map((e) => e.line), ['debug', 'info but long enough']);
  t.deepEqual(p.dropped, ['noisy']);
});

test('source: present keys drop; with value, their joined values must equal it; with expression, match it', (t) => {
  const present = pipeline(`
- logfmt: { mapping: { skip: '' } }
- drop: { source: skip }
`);
  present.push('skip=1 a');
  present.push('b');
  t.deepEqual(present.out.map((e) => e.line), ['b']);
  const value = pipeline(`
- logfmt: { mapping: { level: '', app: '' } }
- drop: { source: [level, app], separator: '/', value: debug/api }
`);
  value.push('level=debug app=api');
  value.push('level=debug app=web');
  t.deepEqual(value.out.map((e) => e.line), ['level=debug app=web']);
  t.deepEqual(value.dropped, ['drop_stage']);
  const expr = pipeline(`
- logfmt: { mapping: { level: '' } }
- drop: { source: level, expression: '^(debug|trace)$' }
`);
  expr.push('level=trace');
  expr.push('level=info');
  t.deepEqual(expr.out.map((e) => e.line), ['level=info']);
});

test('older_than drops entries whose time is older', (t) => {
  const p = pipeline(`
- regex: { expression: '^(?P<time>\\S+) ' }
- timestamp: { source: time, format: RFC3339 }
- drop: { older_than: 1h }
`);
  p.push('2001-01-01T00:00:00Z old');
  p.push(`${new Date().toISOString()} new`);
  t.is(p.out.length, 1);
  t.regex(p.out[0].line, / new$/);
});

test('a drop stage with no condition is refused', (t) => {
  t.throws(() => pipeline(`[{ drop: { drop_counter_reason: x } }]`), { message: /at least one of source, expression, older_than, longer_than/ });
});
