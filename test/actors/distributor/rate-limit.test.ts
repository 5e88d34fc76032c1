// The ingestion rate with Loki's two strategies, with two distributors on one NATS: global shares
// the tenant's rate among the live distributors, local gives each all of it.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { pushJson, streamBody } from '../../helpers/loki.ts';

// 10240 bytes a second with no burst beyond it: a distributor's bucket holds one second of its rate
const RATE = { 'limits_config.ingestion_rate_mb': String(10240 / 1048576), 'limits_config.ingestion_burst_size_mb': '0' };
const push = (url: string, bytes: number) => pushJson(url, streamBody({ app: 'rate' }, [[String(BigInt(Date.now()) * 1_000_000n), 'x'.repeat(bytes)]]));

async function twoDistributors(t: import('ava').ExecutionContext, strategy: string) {
  const nats = await startNats(t);
  const flags = { ...RATE, 'limits_config.ingestion_rate_strategy': strategy };
  const a = await startTestNode(t, nats.url, flags);
  const b = await startTestNode(t, nats.url, { ...flags, target: 'gateway,distributor' });
  return [a.url, b.url];
}

test('with the global strategy each of two distributors allows half the tenant\'s rate, and says so', async (t) => {
  const [a, b] = await twoDistributors(t, 'global');
  for (const url of [a, b]) {
    const res = await push(url, 6000);
    t.is(res.status, 429);
    t.regex(await res.text(), /^Ingestion rate limit exceeded for user fake \(limit: 5120 bytes\/sec\) while attempting to ingest '1' lines totaling '6000' bytes/);
    t.is((await push(url, 5000)).status, 204);
  }
});

test('with the local strategy each of two distributors allows the whole rate', async (t) => {
  const [a, b] = await twoDistributors(t, 'local');
  for (const url of [a, b]) {
    t.is((await push(url, 6000)).status, 204);
    const res = await push(url, 6000);
    t.is(res.status, 429);
    t.regex(await res.text(), /\(limit: 10240 bytes\/sec\)/);
  }
});
