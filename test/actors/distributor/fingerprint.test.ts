// A stream's fingerprint is stable, separates tenants and label sets, and spreads streams over partitions.
import test from 'ava';
import { fingerprint } from '../../../actors/distributor/fingerprint.ts';
import { partitionOf } from '../../../model/fingerprint.ts';

test('a fingerprint is 16 lowercase hex characters', (t) => {
  t.regex(fingerprint('t1', '{app="api"}'), /^[0-9a-f]{16}$/);
});

test('a fingerprint never changes for the same tenant and labels (partitions on disk depend on it)', (t) => {
  // Pinned: sha256("t1\0{app=\"api\", env=\"prod\"}") truncated to 64 bits.
  t.is(fingerprint('t1', '{app="api", env="prod"}'), fingerprint('t1', '{app="api", env="prod"}'));
  t.is(fingerprint('t1', '{app="api", env="prod"}'), 'b4fc21afe40fb65b');
});

test('the same labels under two tenants are two streams', (t) => {
  t.not(fingerprint('t1', '{app="api"}'), fingerprint('t2', '{app="api"}'));
});

test('a tenant name cannot run into the labels to fake another stream', (t) => {
  t.not(fingerprint('a', 'b{x="1"}'), fingerprint('ab', '{x="1"}'));
});

test('different label sets get different fingerprints', (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 10000; i++) seen.add(fingerprint('t', `{app="api", pod="p-${i}"}`));
  t.is(seen.size, 10000);
});

test('the partition is the 64-bit fingerprint modulo the partition count', (t) => {
  const cases: Array<[string, number]> = [
    ['0000000000000000', 32],
    ['ffffffffffffffff', 32],
    ['ffffffffffffffff', 7],
    ['0123456789abcdef', 1],
    ['0123456789abcdef', 1000],
    ['deadbeefcafebabe', 67108864],
  ];
  for (const [fp, p] of cases) t.is(partitionOf(fp, p), Number(BigInt('0x' + fp) % BigInt(p)), `${fp} mod ${p}`);
});

test('streams spread evenly over 32 partitions', (t) => {
  const counts = new Array(32).fill(0);
  const n = 32_000;
  for (let i = 0; i < n; i++) counts[partitionOf(fingerprint('t', `{job="j", instance="host-${i}:9100"}`), 32)]++;
  // Each partition expects 1000; a fair hash stays well within ±15% (about 5 standard deviations).
  for (const c of counts) t.true(c > 850 && c < 1150, `partition got ${c} of ${n}`);
});

test('a partition count or fingerprint that is not usable is refused', (t) => {
  t.throws(() => partitionOf('0123456789abcdef', 0), { instanceOf: RangeError });
  t.throws(() => partitionOf('0123456789abcdef', 2.5), { instanceOf: RangeError });
  t.throws(() => partitionOf('xyz', 32), { instanceOf: RangeError });
  t.throws(() => partitionOf('0123456789ABCDEF', 32), { instanceOf: RangeError });
});
