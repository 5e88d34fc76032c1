// An ingester finds a query's streams through its index of labels: exactly the streams of that
// tenant the selector matches (as testing every stream would find them), for every kind of
// matcher, including those that match a missing label; a stream removed is found no more.
import test from 'ava';
import { StreamIndex } from '../../../actors/ingester/stream-index.ts';
import type { Labels } from '../../../model/labels.ts';
import { compileMatchers, type Matcher } from '../../../model/matchers.ts';

interface S {
  tenant: string;
  labels: Labels;
  id: number;
}

// a small deterministic generator: streams with some labels missing, values shared between them
let seed = 7;
const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
const streams: S[] = Array.from({ length: 400 }, (_, id) => {
  const labels: Array<[string, string]> = [['app', `a${rand(5)}`]];
  if (rand(3) > 0) labels.push(['env', ['prod', 'dev', ''][rand(2)]]);
  if (rand(2) === 0) labels.push(['pod', `p${rand(40)}`]);
  return { tenant: id % 3 === 0 ? 'other' : 'team', labels: labels.sort((a, b) => (a[0] < b[0] ? -1 : 1)), id };
});

const selectors: Matcher[][] = [
  [{ name: 'app', op: '=', value: 'a1' }],
  [{ name: 'app', op: '=~', value: 'a[12]' }],
  [{ name: 'app', op: '=~', value: 'a.*' }, { name: 'env', op: '=', value: 'prod' }],
  [{ name: 'app', op: '!=', value: 'a1' }],
  [{ name: 'env', op: '!~', value: 'prod|dev' }],
  [{ name: 'env', op: '=', value: '' }],
  [{ name: 'pod', op: '=~', value: '.*' }, { name: 'app', op: '=', value: 'a3' }],
  [{ name: 'pod', op: '=~', value: '.+' }, { name: 'env', op: '!=', value: 'dev' }],
  [{ name: 'app', op: '=', value: 'a2' }, { name: 'pod', op: '=', value: 'p3' }],
  [{ name: 'nope', op: '=', value: 'x' }],
  [{ name: 'nope', op: '=', value: '' }, { name: 'app', op: '=', value: 'a4' }],
];

const brute = (tenant: string, ms: Matcher[], among: S[]) => among.filter((s) => s.tenant === tenant && compileMatchers(ms)(s.labels)).map((s) => s.id).sort((a, b) => a - b);
const ids = (got: S[]) => got.map((s) => s.id).sort((a, b) => a - b);

test('a selector finds exactly the streams of its tenant that testing every stream finds', (t) => {
  const index = new StreamIndex<S>();
  for (const s of streams) index.add(s);
  for (const ms of selectors)
    for (const tenant of ['team', 'other', 'absent']) {
      const want = brute(tenant, ms, streams);
      t.deepEqual(ids(index.select(tenant, ms)), want, `${tenant} ${JSON.stringify(ms)}`);
    }
  // not every selector finds nothing, or everything
  t.true(brute('team', selectors[0], streams).length > 0);
  t.true(brute('team', selectors[0], streams).length < streams.length / 2);
});

test('streams removed are found no more, and the others still are', (t) => {
  const index = new StreamIndex<S>();
  for (const s of streams) index.add(s);
  const gone = streams.filter((s) => s.id % 2 === 0);
  for (const s of gone) index.remove(s);
  index.remove(gone[0]); // twice: nothing happens
  const left = streams.filter((s) => s.id % 2 === 1);
  for (const ms of selectors) t.deepEqual(ids(index.select('team', ms)), brute('team', ms, left), JSON.stringify(ms));
  for (const s of left) index.remove(s);
  t.deepEqual(index.select('team', [{ name: 'app', op: '=~', value: '.*' }]), []);
});
