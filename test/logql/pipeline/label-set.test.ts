// An entry's labels, sorted as results carry them: equal labels come back as the same array, so
// the evaluator remembers their series by identity, and labels that never repeat (ids) still come
// back right without the set keeping them.
import test from 'ava';
import { LabelSet } from '../../../logql/pipeline/label-set.ts';

const stream = [['app', 'a'], ['stream', 's1']] as const;

function labelsOf(set: LabelSet, extra: Array<[string, string]>) {
  set.reset(stream.map(([n, v]) => [n, v]));
  for (const [n, v] of extra) set.set(n, v);
  return set.sorted();
}

test('labels are sorted by name, and equal labels are the same array however their values were made', (t) => {
  const set = new LabelSet();
  const info = labelsOf(set, [['level', 'info'], ['caller', 'x.go']]);
  t.deepEqual(info, [['app', 'a'], ['caller', 'x.go'], ['level', 'info'], ['stream', 's1']]);
  const warn = labelsOf(set, [['level', 'warn'], ['caller', 'x.go']]);
  t.deepEqual(warn, [['app', 'a'], ['caller', 'x.go'], ['level', 'warn'], ['stream', 's1']]);
  // a value made anew (as a parser makes it from each line) still finds the array
  t.is(labelsOf(set, [['level', 'inf' + 'o'.repeat(1)], ['caller', 'x.go']]), info);
  t.is(labelsOf(set, [['level', 'warn'], ['caller', 'x.go']]), warn);
  // the same names set in another order give equal labels
  t.deepEqual(labelsOf(set, [['caller', 'x.go'], ['level', 'info']]), info);
  t.not(labelsOf(set, [['level', 'info']]), info);
});

test('labels whose values never repeat are each right, and stop being kept', (t) => {
  const set = new LabelSet();
  const first = labelsOf(set, [['trace_id', 'id-0']]);
  for (let i = 1; i < 5000; i++) {
    const got = labelsOf(set, [['trace_id', `id-${i}`]]);
    t.deepEqual(got, [['app', 'a'], ['stream', 's1'], ['trace_id', `id-${i}`]]);
  }
  // given up on: the first id, asked again, is a new array with the same labels
  const again = labelsOf(set, [['trace_id', 'id-0']]);
  t.deepEqual(again, first);
  t.not(again, first);
});

test('a set of many labels (past the linear scan) is sorted too', (t) => {
  const set = new LabelSet();
  const extra = Array.from({ length: 40 }, (_, i): [string, string] => [`k${String(39 - i).padStart(2, '0')}`, `v${i}`]);
  const got = labelsOf(set, extra);
  t.deepEqual(got.map(([n]) => n), [...got.map(([n]) => n)].sort());
  t.is(got.length, 42);
});
