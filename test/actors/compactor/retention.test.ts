// Loki's rule for a stream's retention period (expiration.go, v2.8): the matching retention_stream
// rule of highest priority, of equal priorities the shortest period, else retention_period.
import test from 'ava';
import { Retention } from '../../../actors/compactor/retention.ts';
import { defaults, parseRuntimeConfig } from '../../../config/index.ts';

const HOUR = 3_600_000;
const base = {
  ...defaults.limits_config,
  retention_period: '744h',
  retention_stream: [{ selector: '{namespace="dev"}', priority: 1, period: '24h' }],
};
// the tenants of Loki's retention docs
const overrides = parseRuntimeConfig(
  `overrides:
  "29":
    retention_period: 168h
    retention_stream:
    - selector: '{namespace="prod"}'
      priority: 2
      period: 336h
    - selector: '{container="loki"}'
      priority: 1
      period: 72h
  "30":
    retention_stream:
    - selector: '{container="nginx"}'
      priority: 1
      period: 24h
    - selector: '{container=~"ng.*"}'
      priority: 1
      period: 48h
  forever:
    retention_period: 0s
    retention_stream: []
`,
  base,
).limits;
const retention = new Retention((tenant) => overrides.get(tenant) ?? base);

test('a stream\'s period is its highest-priority matching rule\'s, then the shortest of equals, then the tenant\'s retention_period', (t) => {
  const period = (tenant: string, labels: Record<string, string>) => retention.periodFor(tenant, Object.entries(labels)) / HOUR;
  t.is(period('other', { namespace: 'dev' }), 24);
  t.is(period('other', { namespace: 'qa' }), 744);
  t.is(period('29', { namespace: 'dev' }), 168, 'a tenant\'s own rules replace limits_config\'s');
  t.is(period('29', { namespace: 'prod', container: 'loki' }), 336, 'the higher priority wins');
  t.is(period('29', { namespace: 'qa', container: 'loki' }), 72);
  t.is(period('30', { container: 'nginx' }), 24, 'of equal priorities the shorter period');
  t.is(period('30', { container: 'ngrok' }), 48);
  t.is(period('30', { container: 'x' }), 744, 'a tenant without its own retention_period keeps limits_config\'s');
  t.is(period('forever', { namespace: 'dev' }), 0);
});

test('only days that may hold expired chunks get an edit', (t) => {
  const now = Date.parse('2024-03-10T12:00:00Z');
  t.truthy(retention.editFor('other', '2024-03-09', now), 'began more than 24h ago: a dev stream of it may have expired');
  t.is(retention.editFor('other', '2024-03-10', now), undefined, 'began 12h ago');
  t.truthy(retention.editFor('29', '2024-03-06', now));
  t.is(retention.editFor('29', '2024-03-08', now), undefined, 'tenant 29 keeps everything at least 72h');
  t.is(retention.editFor('forever', '2000-01-01', now), undefined, '0 keeps for ever');
});
