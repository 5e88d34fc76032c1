// A push is checked against the tenant's limits with Loki's rules and messages; valid streams pass, merged.
import test from 'ava';
import { defaults } from '../../../config/index.ts';
import { pushStreamOf, type PushStream } from '../../../actors/distributor/push-stream.ts';
import { rfc3339, validatePush, type Limits, type Reason } from '../../../actors/distributor/validate.ts';
import { HttpError } from '../../../actors/http-error.ts';
import { entriesOf } from '../../helpers/entries.ts';

const now = new Date('2024-01-02T00:00:00Z');
const NOW = 1704153600n * 1_000_000_000n;
const MIN = 60n * 1_000_000_000n;
const DAY = 1440n * MIN;
const limitsDefaults: Limits = defaults.limits_config;
const limits: Limits = { ...limitsDefaults };
const one = (labels: string, line = 'line', ts = NOW): PushStream => pushStreamOf(labels, [{ ts, line }]);

test("Loki's default limits", (t) => {
  t.like({ ...limitsDefaults }, {
    max_line_size: 262144,
    max_label_names_per_series: 30,
    max_label_name_length: 1024,
    max_label_value_length: 2048,
    reject_old_samples: true,
    reject_old_samples_max_age: '1w',
    creation_grace_period: '10m',
    ingestion_rate_mb: 4,
    ingestion_burst_size_mb: 6,
    ingestion_rate_strategy: 'global',
    max_line_size_truncate: false,
    max_global_streams_per_user: 5000,
  });
});

test('a valid push comes back sorted and canonical, with its line and byte counts', (t) => {
  const v = validatePush('t1', [pushStreamOf('{env="prod",app="api"}', [{ ts: NOW, line: 'héllo' }, { ts: NOW + 1n, line: 'x', metadata: [['trace_id', 'abc']] }])], limits, now);
  t.deepEqual(
    v.streams.map((s) => ({ labels: s.batch.labels, labelsText: s.labelsText, entries: entriesOf(s.batch) })),
    [
      {
        labels: [['app', 'api'], ['env', 'prod']],
        labelsText: '{app="api", env="prod"}',
        entries: [{ ts: NOW, line: 'héllo' }, { ts: NOW + 1n, line: 'x', metadata: [['trace_id', 'abc']] }],
      },
    ],
  );
  t.is(v.lines, 2);
  t.is(v.bytes, 7); // é is two bytes
  t.deepEqual(v.rejected, []);
  t.deepEqual(v.discarded, {});
  t.is(v.error, undefined);
});

test('a label with an empty value is dropped, as if it were absent', (t) => {
  const v = validatePush('t1', [one('{app="api", env=""}')], limits, now);
  t.is(v.streams[0].labelsText, '{app="api"}');
  t.deepEqual(v.streams[0].batch.labels, [['app', 'api']]);
});

test('label values are quoted canonically in the stream text', (t) => {
  const v = validatePush('t1', [one('{path="C:\\\\x", msg="say \\"hi\\"\\n"}')], limits, now);
  t.is(v.streams[0].labelsText, '{msg="say \\"hi\\"\\n", path="C:\\\\x"}');
});

test('streams with the same label set in one push are merged, entries in the order sent', (t) => {
  const v = validatePush(
    't1',
    [
      pushStreamOf('{a="1", b="2"}', [{ ts: NOW, line: 'one' }]),
      pushStreamOf('{c="3"}', [{ ts: NOW, line: 'other' }]),
      pushStreamOf('{b="2",a="1"}', [{ ts: NOW - 5n, line: 'two' }, { ts: NOW + 5n, line: 'three' }]),
    ],
    limits,
    now,
  );
  t.deepEqual(
    v.streams.map((s) => [s.labelsText, entriesOf(s.batch).map((e) => e.line)]),
    [
      ['{a="1", b="2"}', ['one', 'two', 'three']],
      ['{c="3"}', ['other']],
    ],
  );
  t.is(v.lines, 4);
});

test('a stream without entries is skipped without complaint, even with bad labels', (t) => {
  const v = validatePush('t1', [pushStreamOf('{}', []), pushStreamOf('garbage', [])], limits, now);
  t.deepEqual(v.streams, []);
  t.is(v.error, undefined);
});

const tight: Limits = { ...limitsDefaults, max_label_names_per_series: 2, max_label_name_length: 3, max_label_value_length: 4, max_line_size: 10 };

const badStreams: Array<[string, PushStream, string | RegExp, Reason]> = [
  ['labels that do not parse', one('{a="1"'), /^Error parsing labels '\{a="1"' with error: .+/, 'invalid_labels'],
  ['labels without braces', one('a="1"'), /^Error parsing labels 'a="1"' with error: .+/, 'invalid_labels'],
  ['an invalid label name', one('{foo-bar="x"}'), /^Error parsing labels '\{foo-bar="x"\}' with error: .+/, 'invalid_labels'],
  ['a label name starting with a digit', one('{1a="x"}'), /^Error parsing labels '\{1a="x"\}' with error: .+/, 'invalid_labels'],
  ['an empty label set', one('{}'), 'error at least one label pair is required per stream', 'missing_labels'],
  ['only empty label values', one('{a=""}'), 'error at least one label pair is required per stream', 'missing_labels'],
  ['a duplicate label name', one('{a="1", a="2"}'), "stream '{a=\"1\", a=\"2\"}' has duplicate label name: 'a'", 'duplicate_label_names'],
  ['too many label names', one('{a="1", b="2", c="3"}'), "entry for stream '{a=\"1\", b=\"2\", c=\"3\"}' has 3 label names; limit 2", 'max_label_names_per_series'],
  ['a label name too long', one('{abcd="1"}'), "stream '{abcd=\"1\"}' has label name too long: 'abcd'", 'label_name_too_long'],
  ['a label value too long', one('{a="12345"}'), "stream '{a=\"12345\"}' has label value too long: '12345'", 'label_value_too_long'],
  ['a label value too long in bytes', one('{a="üüü"}'), "stream '{a=\"üüü\"}' has label value too long: 'üüü'", 'label_value_too_long'],
  ['a line over max_line_size', one('{a="1"}', 'x'.repeat(11)), "Max entry size '10' bytes exceeded for stream '{a=\"1\"}' while adding an entry with length '11' bytes", 'line_too_long'],
  ['a line over max_line_size in bytes', one('{a="1"}', 'é'.repeat(6)), "Max entry size '10' bytes exceeded for stream '{a=\"1\"}' while adding an entry with length '12' bytes", 'line_too_long'],
  [
    'a timestamp older than a week',
    one('{a="1"}', 'x', NOW - 8n * DAY),
    "entry for stream '{a=\"1\"}' has timestamp too old: 2023-12-25T00:00:00Z, oldest acceptable timestamp is: 2023-12-26T00:00:00Z",
    'greater_than_max_sample_age',
  ],
  ['a timestamp over 10 minutes ahead', one('{a="1"}', 'x', NOW + 11n * MIN), "entry for stream '{a=\"1\"}' has timestamp too new: 2024-01-02T00:11:00Z", 'too_far_in_future'],
];

for (const [what, stream, message, reason] of badStreams)
  test(`a stream with ${what} is refused with 400 and Loki's message`, (t) => {
    const v = validatePush('t1', [stream], tight, now);
    t.deepEqual(v.streams, []);
    t.is(v.lines, 0);
    t.true(v.error instanceof HttpError);
    t.is(v.error?.status, 400);
    if (typeof message === 'string') t.is(v.error?.message, message);
    else t.regex(v.error?.message ?? '', message);
    t.is(v.rejected.length, 1);
    t.is(v.rejected[0].reason, reason);
    t.deepEqual(v.discarded, { [reason]: 1 });
  });

test('entries at exactly the oldest and newest acceptable times are accepted', (t) => {
  const v = validatePush('t1', [pushStreamOf('{a="1"}', [{ ts: NOW - 7n * DAY, line: 'old' }, { ts: NOW + 10n * MIN, line: 'new' }])], limits, now);
  t.is(v.lines, 2);
  t.is(v.error, undefined);
});

test('old entries are accepted when reject_old_samples is off', (t) => {
  const v = validatePush('t1', [one('{a="1"}', 'x', 0n)], { ...limits, reject_old_samples: false }, now);
  t.is(v.lines, 1);
  t.is(v.error, undefined);
});

test('the maximum age follows reject_old_samples_max_age', (t) => {
  const v = validatePush('t1', [one('{a="1"}', 'x', NOW - 2n * 60n * MIN)], { ...limits, reject_old_samples_max_age: '1h' }, now);
  t.is(v.rejected[0]?.reason, 'greater_than_max_sample_age');
});

test('max_line_size 0 means lines of any length', (t) => {
  const v = validatePush('t1', [one('{a="1"}', 'x'.repeat(1 << 20))], { ...limits, max_line_size: 0 }, now);
  t.is(v.lines, 1);
  t.is(v.bytes, 1 << 20);
});

test('with max_line_size_truncate longer lines are cut to max_line_size bytes before any other check, and counted', (t) => {
  const cut: Limits = { ...limitsDefaults, max_line_size: 4, max_line_size_truncate: true };
  const v = validatePush('t1', [pushStreamOf('{a="1"}', [{ ts: NOW, line: 'abcdef', metadata: [['k', 'v']] }, { ts: NOW + 1n, line: 'abc' }, { ts: NOW + 2n, line: 'ééé' }])], cut, now);
  t.deepEqual(entriesOf(v.streams[0].batch), [
    { ts: NOW, line: 'abcd', metadata: [['k', 'v']] },
    { ts: NOW + 1n, line: 'abc' },
    { ts: NOW + 2n, line: 'éé' },
  ]);
  t.deepEqual(v.truncated, { lines: 2, bytes: 4 });
  t.is(v.bytes, 11);
  t.is(v.error, undefined);
  // with max_line_size 0 nothing is cut
  const none = validatePush('t1', [one('{a="1"}', 'abcdef')], { ...cut, max_line_size: 0 }, now);
  t.deepEqual(none.truncated, { lines: 0, bytes: 0 });
});

test('a line of exactly max_line_size bytes is accepted', (t) => {
  t.is(validatePush('t1', [one('{a="1"}', 'x'.repeat(10))], tight, now).lines, 1);
});

test('a push with some bad streams and entries keeps exactly the good ones and reports every failure', (t) => {
  const v = validatePush(
    't1',
    [
      pushStreamOf('{app="ok"}', [{ ts: NOW, line: 'good 1' }]),
      pushStreamOf('{}', [{ ts: NOW, line: 'no labels' }, { ts: NOW, line: 'still none' }]),
      pushStreamOf('{app="mixed"}', [
        { ts: NOW, line: 'good 2' },
        { ts: NOW + DAY, line: 'future' },
        { ts: NOW, line: 'y'.repeat(300_000) },
      ]),
      pushStreamOf('{app="gone"}', [{ ts: NOW + DAY, line: 'all future' }]),
    ],
    limits,
    now,
  );
  t.deepEqual(
    v.streams.map((s) => [s.labelsText, entriesOf(s.batch).map((e) => e.line)]),
    [
      ['{app="ok"}', ['good 1']],
      ['{app="mixed"}', ['good 2']],
    ],
  );
  t.is(v.lines, 2);
  t.is(v.bytes, 12);
  t.deepEqual(v.discarded, { missing_labels: 2, too_far_in_future: 2, line_too_long: 1 });
  t.deepEqual(
    v.rejected.map((r) => [r.reason, r.lines, r.bytes]),
    [
      ['missing_labels', 2, 19],
      ['too_far_in_future', 1, 6],
      ['line_too_long', 1, 300_000],
      ['too_far_in_future', 1, 10],
    ],
  );
  t.is(
    v.error?.message,
    [
      '1 errors like: error at least one label pair is required per stream',
      "1 errors like: entry for stream '{app=\"mixed\"}' has timestamp too new: 2024-01-03T00:00:00Z",
      "1 errors like: Max entry size '262144' bytes exceeded for stream '{app=\"mixed\"}' while adding an entry with length '300000' bytes",
      "1 errors like: entry for stream '{app=\"gone\"}' has timestamp too new: 2024-01-03T00:00:00Z",
    ].join('; '),
  );
});

test('equal failures are reported once with their count, as Loki 3 groups them', (t) => {
  const v = validatePush('t1', [one('{}'), one('{}'), one('{}')], limits, now);
  t.is(v.error?.message, '3 errors like: error at least one label pair is required per stream');
  t.deepEqual(v.discarded, { missing_labels: 3 });
});

test('times in messages are RFC3339 in UTC, whole seconds, as Go prints them', (t) => {
  t.is(rfc3339(0n), '1970-01-01T00:00:00Z');
  t.is(rfc3339(1_999_999_999n), '1970-01-01T00:00:01Z');
  t.is(rfc3339(-1n), '1969-12-31T23:59:59Z');
  t.is(rfc3339(NOW), '2024-01-02T00:00:00Z');
});

test("limit durations are read in Loki's YAML forms", (t) => {
  const old = one('{a="1"}', 'x', NOW - 6n * DAY - 23n * 60n * MIN);
  for (const age of ['1w', '7d', '168h', '10080m', '6d22h30m'])
    t.is(validatePush('t1', [old], { ...limits, reject_old_samples_max_age: age }, now).lines, age === '6d22h30m' ? 0 : 1, age);
  const ahead = one('{a="1"}', 'x', NOW + 50n * MIN);
  t.is(validatePush('t1', [ahead], { ...limits, creation_grace_period: '1h' }, now).lines, 1);
  t.is(validatePush('t1', [ahead], { ...limits, creation_grace_period: '0.5h' }, now).lines, 0);
  t.is(validatePush('t1', [one('{a="1"}', 'x', NOW + 1n)], { ...limits, creation_grace_period: '0' }, now).lines, 0);
});

test('a limit duration that is not a duration is a configuration error, not a 400', (t) => {
  t.throws(() => validatePush('t1', [one('{a="1"}')], { ...limits, creation_grace_period: 'soon' }, now), { instanceOf: RangeError });
});
