// The agent through a NATS outage of a minute: the nats-server is killed (its store kept) and
// started again on the same port 60 s later. The agent keeps retrying, stops reading while its
// batches wait (bounded memory), and once NATS is back every line written, before, during and
// after, is found exactly once.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { agentConfig, assertEachOnce, spawnAgent, writeLines } from '../../helpers/agent.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir } from '../../helpers/node.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTAGE_MS = 60_000;
const BURST_LINES = 25_000;
const LINE_BYTES = 200;

test('a NATS outage of a minute loses nothing and doubles nothing, and the agent reads no more than its bound meanwhile', async (t) => {
  t.timeout(200_000);
  const began = Date.now();
  const nats = await startNats(t);
  const node = await startTestNode(t, nats.url, { 'limits_config.max_entries_limit_per_query': '100000', 'limits_config.ingestion_rate_mb': '1000', 'limits_config.ingestion_burst_size_mb': '1000' });
  const dir = await tempDir(t);
  const logs = join(dir, 'logs');
  await mkdir(logs);
  const agent = await spawnAgent(t, dir, agentConfig(dir, nats.url, 'outage', { timeout: '2s', backoff_config: { min_period: '500ms', max_period: '5s', max_retries: 100 } }));

  // a steady writer, 20 lines every 100 ms, all along
  const written: string[] = [];
  let seq = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      written.push(...(await writeLines(join(logs, 'steady.log'), 'steady', seq, seq + 20, LINE_BYTES)));
      seq += 20;
      await sleep(100);
    }
  })();

  await sleep(3000);
  await nats.kill();
  const readAtKill = await agent.metric('promtail_read_bytes_total');
  // a burst far larger than the agent may hold while nothing is acknowledged
  await sleep(5000);
  written.push(...(await writeLines(join(logs, 'burst.log'), 'burst', 0, BURST_LINES, LINE_BYTES)));
  await sleep(OUTAGE_MS - 5000);
  const readDuring = (await agent.metric('promtail_read_bytes_total')) - readAtKill;
  const retries = await agent.metric('promtail_batch_retries_total');
  await nats.restart();
  await sleep(5000);
  writing = false;
  await writer;

  const burstBytes = BURST_LINES * (LINE_BYTES + 1);
  t.log(`read ${readDuring} bytes during the outage (${burstBytes} written to the burst file alone); ${retries} retries`);
  t.true(readDuring < 2 * 1024 * 1024, `read ${readDuring} bytes while NATS was down`);
  t.true(retries > 0);
  await assertEachOnce(t, node.url, 'outage', began - 60_000, written, 60_000);
  t.is(await agent.metric('promtail_dropped_entries_total'), 0);
  t.is(await agent.metric('promtail_sent_entries_total'), written.length);
  t.regex(agent.output(), /NATS connection lost; reconnecting/);
  t.regex(agent.output(), /NATS connection restored/);
});

test('an agent started while NATS is down reads its files, retries, and delivers every line once NATS comes', async (t) => {
  t.timeout(120_000);
  const began = Date.now();
  const nats = await startNats(t);
  const node = await startTestNode(t, nats.url);
  const dir = await tempDir(t);
  const logs = join(dir, 'logs');
  await mkdir(logs);
  const written = await writeLines(join(logs, 'early.log'), 'early', 0, 500, LINE_BYTES);
  await nats.kill();
  const agent = await spawnAgent(t, dir, agentConfig(dir, nats.url, 'late-nats', { timeout: '2s', backoff_config: { min_period: '200ms', max_period: '1s', max_retries: 100 } }));
  await sleep(3000);
  t.is(await agent.metric('promtail_read_lines_total'), 500);
  t.true((await agent.metric('promtail_batch_retries_total')) > 0);
  await nats.restart();
  await assertEachOnce(t, node.url, 'late-nats', began - 60_000, written, 60_000);
  t.is(await agent.metric('promtail_dropped_entries_total'), 0);
  t.regex(agent.output(), /connected to NATS/);
});
