// The agent's clients against a real node: its metrics against what the node received, a batch
// the node refuses with 400 dropped and counted (over HTTP), and batches refused with 429 sent
// again until they get in (over NATS).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { agentConfig, assertEachOnce, spawnAgent, writeLines } from '../../helpers/agent.ts';
import { metricValue, waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir } from '../../helpers/node.ts';

test('over HTTP: the metrics say what the node received, and a batch refused with 400 is dropped and counted', async (t) => {
  t.timeout(90_000);
  const began = Date.now();
  const nats = await startNats(t);
  const node = await startTestNode(t, nats.url, { 'limits_config.max_line_size': '500' });
  const dir = await tempDir(t);
  await mkdir(join(dir, 'logs'));
  const file = join(dir, 'logs', 'app.log');
  const cfg = agentConfig(dir, nats.url, 'http');
  cfg.clients = [{ url: `${node.url}/loki/api/v1/push`, tenant_id: 'team-a', batchwait: '200ms', batchsize: 65536 } as never];
  const agent = await spawnAgent(t, dir, cfg);
  const host = new URL(node.url).host;

  const written = await writeLines(file, 'ok', 0, 300, 100);
  await waitFor('300 entries sent', async () => (await agent.metric('promtail_sent_entries_total', { host })) === 300);
  t.is(await metricValue(node.url, 'loki_distributor_lines_received_total', { tenant: 'team-a' }), 300);
  t.is(await metricValue(node.url, 'loki_distributor_bytes_received_total', { tenant: 'team-a' }), 300 * 100);
  t.is(await agent.metric('promtail_read_lines_total', { path: file }), 300);
  t.is(await agent.metric('promtail_read_bytes_total', { path: file }), 300 * 101);
  // the JSON bodies: every line, its timestamp and quotes, and each body's stream labels once
  const sentBytes = await agent.metric('promtail_sent_bytes_total', { host });
  t.true(sentBytes > 300 * 100 && sentBytes < 300 * 140 + 4096, `sent ${sentBytes} bytes`);

  // a line over the node's max_line_size: the node answers 400, the batch is dropped and counted
  await writeLines(file, 'long', 0, 1, 1000);
  await waitFor('the refused batch to be counted', async () => (await agent.metric('promtail_dropped_entries_total', { reason: 'ingester_error' })) === 1);
  t.is(await agent.metric('promtail_dropped_bytes_total', { reason: 'ingester_error', tenant: 'team-a' }), 1000);
  t.is(await agent.metric('promtail_request_duration_seconds_count', { status_code: '400' }), 1, 'a 400 is not retried');
  t.is(await agent.metric('promtail_batch_retries_total'), 0);
  // and lines after it go on
  written.push(...(await writeLines(file, 'ok', 300, 310, 100)));
  await waitFor('310 entries sent', async () => (await agent.metric('promtail_sent_entries_total', { host })) === 310);
  await assertEachOnce(t, node.url, 'http', began - 60_000, written, 20_000, 'team-a');
});

test('over NATS: batches refused with 429 are sent again with backoff until they get in', async (t) => {
  t.timeout(90_000);
  const began = Date.now();
  const nats = await startNats(t);
  // about 21 KB/s with a 31 KB burst: 150 KB of lines take several seconds to be let in
  const node = await startTestNode(t, nats.url, { 'limits_config.ingestion_rate_mb': '0.02', 'limits_config.ingestion_burst_size_mb': '0.03' });
  const dir = await tempDir(t);
  await mkdir(join(dir, 'logs'));
  const agent = await spawnAgent(
    t,
    dir,
    agentConfig(dir, nats.url, 'limited', { batchsize: 16384, batchwait: '100ms', backoff_config: { min_period: '200ms', max_period: '1s', max_retries: 100 } }),
  );
  const written = await writeLines(join(dir, 'logs', 'app.log'), 'limited', 0, 750, 200);
  await waitFor('750 entries sent', async () => (await agent.metric('promtail_sent_entries_total')) === 750, 60_000);
  const refused = await agent.metric('promtail_request_duration_seconds_count', { status_code: '429' });
  t.log(`${refused} sends answered 429`);
  t.true(refused > 0);
  t.is(await agent.metric('promtail_batch_retries_total'), refused);
  t.is(await agent.metric('promtail_dropped_entries_total'), 0);
  await assertEachOnce(t, node.url, 'limited', began - 60_000, written);
});
