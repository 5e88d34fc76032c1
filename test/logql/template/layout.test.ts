import test from 'ava';
import { formatTime, parseTime, splitLayout } from '../../../logql/template/layout.ts';
import { GoTime } from '../../../logql/template/values.ts';

const UTC = { offsetAt: () => 0, name: () => 'UTC' };

test('layouts split into Go\'s elements and literal text', (t) => {
  t.deepEqual(splitLayout('2006-01-02'), [{ std: '2006' }, { lit: '-' }, { std: '01' }, { lit: '-' }, { std: '02' }]);
  t.deepEqual(splitLayout('_2006'), [{ lit: '_' }, { std: '2006' }]);
  t.deepEqual(splitLayout('05.000'), [{ std: '05' }, { std: 'frac0', digits: 3, sep: '.' }]);
});

test('a fixed-offset time formats in its own zone', (t) => {
  const ts = new GoTime(0n, -5 * 3600, 'EST');
  t.is(formatTime(ts, splitLayout('2006-01-02 15:04 MST Z07:00 -0700')), '1969-12-31 19:00 EST -05:00 -0500');
});

test('formatting then parsing a layout round-trips the instant', (t) => {
  const layout = splitLayout('Mon, 02 Jan 2006 15:04:05.000000000 -0700');
  const ts = new GoTime(1700000000123456789n, 3600 * 5 + 1800, '');
  const back = parseTime(layout, formatTime(ts, layout), UTC);
  t.is(back.ns, ts.ns);
  t.is(back.offset, ts.offset);
});

test('parsing rejects trailing text and impossible dates', (t) => {
  t.throws(() => parseTime(splitLayout('2006-01-02'), '2021-11-02x', UTC), { message: /extra text/ });
  t.throws(() => parseTime(splitLayout('2006-01-02'), '2021-02-30', UTC), { message: /out of range/ });
});
