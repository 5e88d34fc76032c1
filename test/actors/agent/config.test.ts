import { join } from 'node:path';
import test from 'ava';
import { loadAgentConfig, parseAgentConfig } from '../../../actors/agent/config.ts';
import { compilePipeline } from '../../../actors/agent/stages/pipeline.ts';
import { ROOT } from '../../../scripts/processes.ts';

test('config/agent.yaml loads with promtail\'s defaults and its pipeline compiles', (t) => {
  const cfg = loadAgentConfig(join(ROOT, 'config', 'agent.yaml'));
  t.is(cfg.server.port, 9080);
  t.deepEqual(cfg.clients[0].backoff, { minMs: 500, maxMs: 300_000, maxRetries: 10 });
  t.is(cfg.clients[0].batchSizeBytes, 1024 * 1024);
  t.is(cfg.clients[0].batchWaitMs, 1000);
  for (const s of cfg.scrapeConfigs) t.notThrows(() => compilePipeline(s.pipelineStages, 'pipeline_stages', () => undefined, () => undefined).stop?.());
});

test('an unknown key stops startup, named with its path; a client needs exactly one of url and nats_url; flags set keys', (t) => {
  const base = { clients: [{ nats_url: 'nats://127.0.0.1:4222' }] };
  t.throws(() => parseAgentConfig({ ...base, clients: [{ nats_url: 'nats://x:1', batch_wait: '1s' }] }), { message: 'unknown configuration key clients[0].batch_wait' });
  t.throws(() => parseAgentConfig({ ...base, limits_config: {} }), { message: 'unknown configuration key limits_config' });
  t.throws(() => parseAgentConfig({ clients: [{ url: 'http://a/loki/api/v1/push', nats_url: 'nats://b:1' }] }), { message: /exactly one of url and nats_url/ });
  t.throws(() => parseAgentConfig({ clients: [] }), { message: /at least one client/ });
  t.is(parseAgentConfig(base, { 'server.http_listen_port': '0' }).server.port, 0);
  t.throws(() => parseAgentConfig(base, { 'server.port': '1' }), { message: 'unknown configuration key server.port' });
});
