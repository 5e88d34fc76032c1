// The runtime config file's overrides are read with the configuration's own checks, and only the
// push limits and retention may be set per tenant.
import test from 'ava';
import { ConfigError, defaults, parseRuntimeConfig } from '../../config/index.ts';

const base = defaults.limits_config;

test('an override sets a tenant\'s keys over limits_config and leaves the rest and other tenants alike', (t) => {
  const v = parseRuntimeConfig('overrides:\n  t1:\n    ingestion_rate_mb: 10\n    reject_old_samples_max_age: 2w\n  t2: {}\n', base);
  t.deepEqual(v.limits.get('t1'), { ...base, ingestion_rate_mb: 10, reject_old_samples_max_age: '2w' });
  t.deepEqual(v.limits.get('t2'), base);
  t.false(v.limits.has('t3'));
  t.deepEqual(v.overrides, { t1: { ingestion_rate_mb: 10, reject_old_samples_max_age: '2w' }, t2: {} });
});

test('an empty file or one without overrides overrides nothing', (t) => {
  t.is(parseRuntimeConfig('', base).limits.size, 0);
  t.is(parseRuntimeConfig('overrides:\n', base).limits.size, 0);
});

test('retention is set per tenant, a tenant\'s rules replacing limits_config\'s', (t) => {
  const v = parseRuntimeConfig("overrides:\n  t1:\n    retention_period: 168h\n    retention_stream:\n    - selector: '{namespace=\"prod\"}'\n      priority: 2\n      period: 336h\n", {
    ...base,
    retention_stream: [{ selector: '{app="x"}', priority: 1, period: '24h' }],
  });
  t.like(v.limits.get('t1'), { retention_period: '168h', retention_stream: [{ selector: '{namespace="prod"}', priority: 2, period: '336h' }] });
});

const bad: Array<[string, string, RegExp]> = [
  ['YAML that does not parse', 'overrides: [', /^runtime config: /],
  ['a top-level key Muninn does not know', 'configs: {}\n', /^unknown runtime config key configs$/],
  ['an unknown limit', 'overrides:\n  t1:\n    ingestion_rate: 5\n', /^unknown configuration key overrides\.t1\.ingestion_rate$/],
  ['a value of the wrong type', 'overrides:\n  t1:\n    max_line_size: big\n', /^configuration key overrides\.t1\.max_line_size must be a number/],
  ['a duration that is not one', 'overrides:\n  t1:\n    creation_grace_period: soon\n', /^configuration key overrides\.t1\.creation_grace_period: invalid duration/],
  ['a limit read once for every tenant', 'overrides:\n  t1:\n    max_query_series: 5\n', /^overrides\.t1\.max_query_series cannot be set per tenant; these can: max_line_size, /],
  ['a retention rule shorter than Loki allows', "overrides:\n  t1:\n    retention_stream:\n    - selector: '{a=\"b\"}'\n      period: 1h\n", /^overrides\.t1\.retention_stream\[0\]: retention period must be >= 24h was 1h$/],
  ['the rate strategy, which is not per tenant in Loki either', 'overrides:\n  t1:\n    ingestion_rate_strategy: local\n', /cannot be set per tenant/],
];

for (const [what, text, message] of bad)
  test(`a runtime config with ${what} is refused, named`, (t) => {
    const err = t.throws(() => parseRuntimeConfig(text, base));
    t.true(err instanceof ConfigError);
    t.regex(err!.message, message);
  });
