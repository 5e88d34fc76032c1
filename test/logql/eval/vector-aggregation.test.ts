import test from 'ava';
import { a1, a2, ALL, b1, b3, flatMatrix, flatVector, instant, pods, range, run } from './fixtures.ts';


const cases: Array<[string, Array<[string, string]>]> = [
  [`sum(${ALL})`, [['{}', '10']]],
  [`sum by (app) (${ALL})`, [['{app="a"}', '4'], ['{app="b"}', '6']]],
  [`sum(${ALL}) by (app)`, [['{app="a"}', '4'], ['{app="b"}', '6']]],
  [`sum without (pod) (${ALL})`, [['{app="a",team="x"}', '4'], ['{app="b",team="y"}', '6']]],
  [`sum without (pod, team, app) (${ALL})`, [['{}', '10']]],
  [`sum by (nothing) (${ALL})`, [['{}', '10']]],
  [`avg(${ALL})`, [['{}', '2.5']]],
  [`avg by (team) (${ALL})`, [['{team="x"}', '2'], ['{team="y"}', '3']]],
  [`min(${ALL})`, [['{}', '1']]],
  [`max(${ALL})`, [['{}', '4']]],
  [`min by (app) (${ALL})`, [['{app="a"}', '1'], ['{app="b"}', '2']]],
  [`max by (pod) (${ALL})`, [['{pod="p1"}', '3'], ['{pod="p2"}', '1'], ['{pod="p3"}', '4']]],
  [`count(${ALL})`, [['{}', '4']]],
  [`count by (team) (${ALL})`, [['{team="x"}', '2'], ['{team="y"}', '2']]],
  [`stdvar(${ALL})`, [['{}', '1.25']]],
  [`stddev(${ALL})`, [['{}', '1.118033988749895']]],
  [`stddev by (app) (${ALL})`, [['{app="a"}', '1'], ['{app="b"}', '1']]],
  [`stdvar by (pod) (${ALL})`, [['{pod="p1"}', '0.25'], ['{pod="p2"}', '0'], ['{pod="p3"}', '0']]],
  // topk and bottomk keep the series' own labels; the answer is ordered by labels
  [`topk(2, ${ALL})`, [[a1, '3'], [b3, '4']]],
  [`topk(1, ${ALL}) by (app)`, [[a1, '3'], [b3, '4']]],
  [`topk(1, ${ALL}) by (pod)`, [[a1, '3'], [a2, '1'], [b3, '4']]],
  [`topk(10, ${ALL})`, [[a1, '3'], [a2, '1'], [b1, '2'], [b3, '4']]],
  [`bottomk(1, ${ALL})`, [[a2, '1']]],
  [`bottomk(1, ${ALL}) by (team)`, [[a2, '1'], [b1, '2']]],
  [`bottomk(2, ${ALL}) without (pod)`, [[a1, '3'], [a2, '1'], [b1, '2'], [b3, '4']]],
  [`sum(topk(2, ${ALL}))`, [['{}', '7']]],
  [`count(${ALL} > 1)`, [['{}', '3']]],
  [`max(count_over_time({app="nope"}[5s]))`, []],
  [`avg(sum by (app) (${ALL}))`, [['{}', '5']]],
  // sort and sort_desc order the answer by value
  [`sort(${ALL})`, [[a2, '1'], [b1, '2'], [a1, '3'], [b3, '4']]],
  [`sort_desc(${ALL})`, [[b3, '4'], [a1, '3'], [b1, '2'], [a2, '1']]],
  [`sort_desc(sum by (team) (${ALL}))`, [['{team="y"}', '6'], ['{team="x"}', '4']]],
  [`sort(${ALL} * -1)`, [[b3, '-4'], [a1, '-3'], [b1, '-2'], [a2, '-1']]],
];
for (const [q, want] of cases)
  test(`${q} gives ${JSON.stringify(want)}`, async (t) => {
    t.deepEqual(flatVector(await run(q, instant(5), pods)), want);
  });

test('vector aggregations work step by step in a range query', async (t) => {
  t.deepEqual(flatMatrix(await run('max by (app) (count_over_time({app=~".+"}[1s]))', range(1, 4, 1), pods)), [['{app="a"}', '1:1 2:1 3:1'], ['{app="b"}', '1:1 2:1 3:1 4:1']]);
  t.deepEqual(flatMatrix(await run('count(count_over_time({app=~".+"}[1s]))', range(1, 4, 1), pods)), [['{}', '1:3 2:3 3:3 4:1']]);
  // topk picks per step: a series is in the answer only at the steps where it made the cut
  t.deepEqual(flatMatrix(await run('topk(1, count_over_time({app=~".+"}[2s]))', range(2, 4, 2), pods)), [[a1, '2:2'], [b3, '4:2']]);
});

const replaces: Array<[string, Array<[string, string]>]> = [
  ['label_replace(count_over_time({app="a"}[5s]), "n", "$1-x", "pod", "p(.*)")', [['{app="a",n="1-x",pod="p1",team="x"}', '3'], ['{app="a",n="2-x",pod="p2",team="x"}', '1']]],
  ['label_replace(count_over_time({app="a"}[5s]), "n", "${1}x", "pod", "p(.*)")', [['{app="a",n="1x",pod="p1",team="x"}', '3'], ['{app="a",n="2x",pod="p2",team="x"}', '1']]],
  // Go reads "$1x" as the group named "1x": nothing, so no label
  ['label_replace(count_over_time({app="a"}[5s]), "n", "$1x", "pod", "p(.*)")', [[a1, '3'], [a2, '1']]],
  ['label_replace(count_over_time({app="a"}[5s]), "n", "$$1", "pod", "p(.*)")', [['{app="a",n="$1",pod="p1",team="x"}', '3'], ['{app="a",n="$1",pod="p2",team="x"}', '1']]],
  ['label_replace(count_over_time({app="a"}[5s]), "n", "<$name>", "pod", "p(?P<name>.)")', [['{app="a",n="<1>",pod="p1",team="x"}', '3'], ['{app="a",n="<2>",pod="p2",team="x"}', '1']]],
  // the regex must match the whole value
  ['label_replace(count_over_time({app="a"}[5s]), "n", "$1", "pod", "(1)")', [[a1, '3'], [a2, '1']]],
  ['label_replace(count_over_time({app="a"}[5s]), "n", "$1", "pod", "(p1)")', [['{app="a",n="p1",pod="p1",team="x"}', '3'], [a2, '1']]],
  // an empty result removes the label; a missing source label reads as ""
  ['label_replace(count_over_time({app="a"}[5s]), "team", "", "pod", ".*")', [['{app="a",pod="p1"}', '3'], ['{app="a",pod="p2"}', '1']]],
  ['label_replace(count_over_time({app="a"}[5s]), "team", "z", "missing", "")', [['{app="a",pod="p1",team="z"}', '3'], ['{app="a",pod="p2",team="z"}', '1']]],
  ['label_replace(count_over_time({app="a"}[5s]), "team", "z", "missing", ".+")', [[a1, '3'], [a2, '1']]],
  ['sum by (n) (label_replace(count_over_time({app=~".+"}[5s]), "n", "$1", "team", "(.)"))', [['{n="x"}', '4'], ['{n="y"}', '6']]],
];
for (const [q, want] of replaces)
  test(`${q} gives ${JSON.stringify(want)}`, async (t) => {
    t.deepEqual(flatVector(await run(q, instant(5), pods)), want);
  });

test('series that label_replace gives one label set come back as one matrix series, point by point as Loki does', async (t) => {
  const r = await run('label_replace(count_over_time({app="a"}[5s]), "pod", "", "pod", ".*")', range(4, 5, 1), pods);
  t.deepEqual(flatMatrix(r), [['{app="a",team="x"}', '4:3 4:1 5:3 5:1']]);
});
