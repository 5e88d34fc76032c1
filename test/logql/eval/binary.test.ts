import test from 'ava';
import { a1, a2, ALL, b1, b3, flatMatrix, flatVector, instant, pods, range, run } from './fixtures.ts';

const A = 'count_over_time({app="a"}[5s])';
const B = 'count_over_time({app="b"}[5s])';

const cases: Array<[string, Array<[string, string]>]> = [
  [`${A} * 2`, [[a1, '6'], [a2, '2']]],
  [`2 * ${A}`, [[a1, '6'], [a2, '2']]],
  [`${A} - 1`, [[a1, '2'], [a2, '0']]],
  [`1 - ${A}`, [[a1, '-2'], [a2, '0']]],
  [`${A} / 2`, [[a1, '1.5'], [a2, '0.5']]],
  [`${A} % 2`, [[a1, '1'], [a2, '1']]],
  [`${A} ^ 2`, [[a1, '9'], [a2, '1']]],
  [`2 ^ ${A}`, [[a1, '8'], [a2, '2']]],
  [`${A} + 0.1`, [[a1, '3.1'], [a2, '1.1']]],
  // Loki guards division and modulo by zero with NaN
  [`${A} / 0`, [[a1, 'NaN'], [a2, 'NaN']]],
  [`${A} % 0`, [[a1, 'NaN'], [a2, 'NaN']]],
  [`${A} * 0 / ${A}`, [[a1, '0'], [a2, '0']]],
  // comparisons filter, keeping the left value
  [`${ALL} > 2`, [[a1, '3'], [b3, '4']]],
  [`${ALL} >= 2`, [[a1, '3'], [b1, '2'], [b3, '4']]],
  [`${ALL} == 1`, [[a2, '1']]],
  [`${ALL} != 1`, [[a1, '3'], [b1, '2'], [b3, '4']]],
  [`${ALL} < 2`, [[a2, '1']]],
  [`${ALL} <= 2`, [[a2, '1'], [b1, '2']]],
  [`${ALL} > 10`, []],
  [`${ALL} > bool 2`, [[a1, '1'], [a2, '0'], [b1, '0'], [b3, '1']]],
  [`${ALL} == bool 2`, [[a1, '0'], [a2, '0'], [b1, '1'], [b3, '0']]],
  // a literal on the left of a filtering comparison is the value kept (Loki 2.8)
  [`2 < ${ALL}`, [[a1, '2'], [b3, '2']]],
  [`2 < bool ${ALL}`, [[a1, '1'], [a2, '0'], [b1, '0'], [b3, '1']]],
  [`(${ALL} > 1) * 10`, [[a1, '30'], [b1, '20'], [b3, '40']]],
  // vector and vector, one to one on all labels
  [`${A} + ${A}`, [[a1, '6'], [a2, '2']]],
  [`${A} + ${B}`, []],
  [`${ALL} > bool ${ALL}`, [[a1, '0'], [a2, '0'], [b1, '0'], [b3, '0']]],
  [`${ALL} >= ${ALL} - 1`, [[a1, '3'], [a2, '1'], [b1, '2'], [b3, '4']]],
  // on() keeps only the matching labels, ignoring() drops the ignored ones
  [`sum by (pod) (${ALL}) + on (pod) sum by (pod, team) (${A})`, [['{pod="p1"}', '8'], ['{pod="p2"}', '2']]],
  [`sum by (pod, team) (${A}) - ignoring (team) sum by (pod) (${ALL})`, [['{pod="p1"}', '-2'], ['{pod="p2"}', '0']]],
  [`sum by (pod, app) (${B}) / on () group_left sum(${B})`, [['{app="b",pod="p1"}', '0.3333333333333333'], ['{app="b",pod="p3"}', '0.6666666666666666']]],
  // group_left: many on the left, one on the right; group_right the other way round
  [`sum by (pod, team) (${ALL}) / ignoring (team) group_left sum by (pod) (${ALL})`, [['{pod="p1",team="x"}', '0.6'], ['{pod="p1",team="y"}', '0.4'], ['{pod="p2",team="x"}', '1'], ['{pod="p3",team="y"}', '1']]],
  [`sum by (pod) (${ALL}) * on (pod) group_left (team) sum by (pod, team) (${B})`, [['{pod="p1",team="y"}', '10'], ['{pod="p3",team="y"}', '16']]],
  // an included label the one side lacks is removed
  [`sum by (app, pod, team) (${ALL}) * on (pod) group_left (team) sum by (pod) (${B})`, [['{app="a",pod="p1"}', '6'], ['{app="b",pod="p1"}', '4'], ['{app="b",pod="p3"}', '16']]],
  [`sum by (pod) (${B}) + on (pod) group_right sum by (pod, team) (${ALL})`, [['{pod="p1",team="x"}', '5'], ['{pod="p1",team="y"}', '4'], ['{pod="p3",team="y"}', '8']]],
  [`sum by (pod) (${B}) < on (pod) group_right sum by (pod, team) (${ALL})`, [['{pod="p1",team="x"}', '2']]],
  [`${ALL} == on (pod) group_left sum by (pod) (${B})`, [[b1, '2'], [b3, '4']]],
  // set operators
  [`${ALL} and on (pod) ${B}`, [[a1, '3'], [b1, '2'], [b3, '4']]],
  [`${ALL} unless on (pod) ${B}`, [[a2, '1']]],
  [`${A} or ${B}`, [[a1, '3'], [a2, '1'], [b1, '2'], [b3, '4']]],
  [`sum by (pod) (${A}) or on (pod) sum by (pod, team) (${ALL})`, [['{pod="p1"}', '3'], ['{pod="p2"}', '1'], ['{pod="p3",team="y"}', '4']]],
  [`${A} and count_over_time({app="nope"}[5s])`, []],
  [`${A} unless count_over_time({app="nope"}[5s])`, [[a1, '3'], [a2, '1']]],
  [`count_over_time({app="nope"}[5s]) or ${A}`, [[a1, '3'], [a2, '1']]],
  [`${A} and ${A} > 2`, [[a1, '3']]],
  // vector() has no labels
  ['vector(2) * 3', [['{}', '6']]],
  [`vector(1) + ${A}`, []],
  [`sum(${ALL}) / vector(2)`, [['{}', '5']]],
  [`sum(${ALL}) - on () vector(4)`, [['{}', '6']]],
];
for (const [q, want] of cases)
  test(`${q} gives ${JSON.stringify(want)}`, async (t) => {
    t.deepEqual(flatVector(await run(q, instant(5), pods)), want);
  });

const scalars: Array<[string, string]> = [
  ['1 + 2 * 3', '7'],
  ['(1 + 2) * 3', '9'],
  ['2 ^ 3 ^ 2', '512'],
  ['7 % 4', '3'],
  ['-7 % 4', '-3'],
  ['1 / 0', 'NaN'],
  ['1 / 4', '0.25'],
  // literals fold without filtering: a comparison gives 1 or 0, bool or not
  ['1 > 2', '0'],
  ['2 > 1', '1'],
  ['2 > bool 1', '1'],
  ['3 == 3', '1'],
  ['0.1 + 0.2', '0.30000000000000004'],
];
for (const [q, want] of scalars)
  test(`the literal query ${q} is the scalar ${want}`, async (t) => {
    t.deepEqual(await run(q, instant(5), pods), { resultType: 'scalar', result: [5, want] });
  });

const errors: Array<[string, string]> = [
  [`sum by (pod, team) (${ALL}) + on (pod) sum by (pod, team) (${ALL})`, 'found duplicate series on the right hand-side;many-to-many matching not allowed: matching labels must be unique on one side'],
  [`sum by (pod, team) (${ALL}) + on (pod) group_right sum by (pod, team) (${ALL})`, 'found duplicate series on the left hand-side;many-to-many matching not allowed: matching labels must be unique on one side'],
  [`sum by (pod, team) (${ALL}) - ignoring (team) sum by (pod) (${B})`, 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)'],
  [`sum by (pod, app) (${B}) / on () sum(${B})`, 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)'],
  ['vector(1) and 1', 'parse error : unexpected literal for right leg of logical/set binary operation (and): 1.000000'],
];
for (const [q, message] of errors)
  test(`${q} fails: ${message}`, async (t) => {
    const err = await t.throwsAsync(async () => run(q, instant(5), pods), { message });
    // Loki answers matching errors as internal (500), a literal in a set operation as a bad query (400)
    t.is((err as Error & { status: number }).status, q.includes('vector(1) and') ? 400 : 500);
  });

test('binary operations match per step in a range query', async (t) => {
  const r = await run(`count_over_time({app="a"}[1s]) and on (pod) count_over_time({app="b"}[1s])`, range(1, 4, 1), pods);
  t.deepEqual(flatMatrix(r), [[a1, '1:1 3:1']]);
  const sum = await run(`sum(count_over_time({app=~".+"}[1s])) * 2`, range(1, 4, 1), pods);
  t.deepEqual(flatMatrix(sum), [['{}', '1:6 2:6 3:6 4:2']]);
  const lit = await run(`2 * 3`, range(1, 3, 1), pods);
  t.deepEqual(flatMatrix(lit), [['{}', '1:6 2:6 3:6']]);
});
