import test from 'ava';
import { pipeline } from '../../../helpers/pipeline.ts';

const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

test('the source parsed with a Go layout, a layout constant, or a Unix format becomes the entry time', (t) => {
  const cases: Array<[string, string, bigint]> = [
    ['RFC3339', '2024-03-04T05:06:07Z', ns('2024-03-04T05:06:07Z')],
    ['RFC3339Nano', '2024-03-04T05:06:07.123456789+02:00', ns('2024-03-04T03:06:07Z') + 123_456_789n],
    ['2006-01-02 15:04:05.000', '2024-03-04 05:06:07.250', ns('2024-03-04T05:06:07.250Z')],
    ['Unix', '1700000000.5', 1_700_000_000_500_000_000n],
    ['UnixMs', '1700000000123', 1_700_000_000_123_000_000n],
    ['UnixNs', '1700000000123456789', 1_700_000_000_123_456_789n],
  ];
  for (const [format, value, want] of cases) {
    const p = pipeline(`
- regex: { expression: '^(?P<time>[^|]+)\\|' }
- timestamp: { source: time, format: '${format}' }
`);
    p.push(`${value}|line`);
    t.is(p.out[0].ts, want, format);
  }
});

test('location applies to a time that names no zone; a layout without a year takes the current one', (t) => {
  const p = pipeline(`
- regex: { expression: '^(?P<time>.{19})' }
- timestamp: { source: time, format: '2006-01-02 15:04:05', location: America/New_York }
`);
  p.push('2024-07-01 12:00:00 summer');
  t.is(p.out[0].ts, ns('2024-07-01T16:00:00Z'));
  const q = pipeline(`
- regex: { expression: '^(?P<time>.{15})' }
- timestamp: { source: time, format: Stamp }
`);
  q.push('Mar  4 05:06:07 syslog');
  t.is(q.out[0].ts, ns(`${new Date().getUTCFullYear()}-03-04T05:06:07Z`));
});

test('fallback_formats are tried in turn; on failure fudge gives the last parsed time plus 1ns, skip keeps the read time', (t) => {
  const fudge = pipeline(`
- regex: { expression: '^(?P<time>\\S+) ' }
- timestamp: { source: time, format: RFC3339, fallback_formats: [UnixMs] }
`);
  fudge.push('1700000000000 a');
  fudge.push('garbage b');
  fudge.push('garbage c');
  t.deepEqual(fudge.out.map((e) => e.ts), [1_700_000_000_000_000_000n, 1_700_000_000_000_000_001n, 1_700_000_000_000_000_002n]);
  const skip = pipeline(`
- regex: { expression: '^(?P<time>\\S+) ' }
- timestamp: { source: time, format: RFC3339, action_on_failure: skip }
`);
  const before = BigInt(Date.now()) * 1_000_000n;
  skip.push('2024-03-04T05:06:07Z a');
  skip.push('garbage b');
  t.is(skip.out[0].ts, ns('2024-03-04T05:06:07Z'));
  t.true(skip.out[1].ts >= before, 'the read time');
});
