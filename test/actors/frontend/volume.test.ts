import test from 'ava';
import type { VolumeRequest } from '../../../bus/index.ts';
import { volumeAnswer, volumePieces } from '../../../actors/frontend/volume.ts';
import { Windows } from '../../../model/windows.ts';

const H = 3_600_000_000_000n;
const DAY = 24n * H;
/** 2024-01-01T00:00:00Z in ns. */
const JAN1 = 1_704_067_200_000_000_000n;

const req = (start: bigint, end: bigint, step: bigint, more: Partial<VolumeRequest> = {}): VolumeRequest => ({
  kind: 'volume',
  tenant: 't',
  query: '{app="x"}',
  start: String(start),
  end: String(end),
  step: Number(step),
  limit: 100,
  targetLabels: [],
  aggregateBy: 'series',
  ...more,
});

const windowsOf = (r: VolumeRequest) => {
  const w = new Windows(BigInt(r.start), BigInt(r.end), BigInt(r.step));
  return Array.from({ length: w.count }, (_, i) => [w.startOf(i), w.endOf(i)]);
};

test('a volume range is cut into whole windows, one sub-query per UTC day they start in', (t) => {
  const whole = req(JAN1 - 30n * 60_000_000_000n, JAN1 + DAY + 90n * 60_000_000_000n, H);
  const pieces = volumePieces(whole);
  t.deepEqual(
    pieces.map((p) => [BigInt(p.start), BigInt(p.end)]),
    [
      [JAN1 - 30n * 60_000_000_000n, JAN1],
      [JAN1, JAN1 + DAY],
      [JAN1 + DAY, JAN1 + DAY + 90n * 60_000_000_000n],
    ],
  );
  t.deepEqual(pieces.flatMap(windowsOf), windowsOf(whole), 'together the pieces cut the same windows as the whole');
  t.true(pieces.every((p) => p.step === whole.step && p.limit === whole.limit && p.query === whole.query));
});

test('a step longer than a day makes a sub-query per window; an instant volume is one sub-query', (t) => {
  const long = req(JAN1, JAN1 + 5n * DAY, 2n * DAY);
  t.is(volumePieces(long).length, new Windows(JAN1, JAN1 + 5n * DAY, 2n * DAY).count);
  const instant = req(JAN1, JAN1 + 30n * DAY, 0n);
  t.deepEqual(volumePieces(instant), [instant]);
});

test('the answer is Loki\'s: a vector unless a series has several samples, largest first sample first, ties by name', (t) => {
  const r = req(JAN1, JAN1 + 2n * H, H);
  const end = Number(JAN1 / 1_000_000n) / 1000 + 7200;
  const firstEnd = Number((JAN1 + H) / 1_000_000n - 1n) / 1000;
  const pieces = [
    {
      windows: [
        [String(JAN1 + H), [['{app="b"}', 5], ['{app="a"}', 5], ['{app="c"}', 9]]],
        [String(JAN1 + 2n * H), [['{app="a"}', 1]]],
      ],
    },
  ];
  t.deepEqual(volumeAnswer(r, pieces), {
    resultType: 'matrix',
    result: [
      { metric: { app: 'c' }, values: [[firstEnd, '9']] },
      { metric: { app: 'a' }, values: [[firstEnd, '5'], [end, '1']] },
      { metric: { app: 'b' }, values: [[firstEnd, '5']] },
    ],
  });
  t.deepEqual(volumeAnswer({ ...r, aggregateBy: 'labels' }, [{ windows: [[String(JAN1 + 2n * H), [['pod', 3], ['app', 7]]]] }]), {
    resultType: 'vector',
    result: [
      { metric: { app: '' }, value: [end, '7'] },
      { metric: { pod: '' }, value: [end, '3'] },
    ],
  });
  t.deepEqual(volumeAnswer(r, []), { resultType: 'vector', result: [] });
});

test('the last bucket is stamped with the query\'s end rounded up to the millisecond, as Loki rounds its through', (t) => {
  const r = req(JAN1, JAN1 + 1_500_000n, 0n);
  t.deepEqual(volumeAnswer(r, [{ windows: [[String(JAN1 + 1_500_000n), [['{app="a"}', 1]]]] }]).result, [{ metric: { app: 'a' }, value: [Number(JAN1 / 1_000_000n + 2n) / 1000, '1'] }]);
});
