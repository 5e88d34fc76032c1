import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { startS3 } from '../helpers/s3.ts';
import { CLUSTER_TTL_MS, clusterFlags, settledOn, startProcess } from '../helpers/cluster.ts';
import { readBack, startLoad } from '../helpers/load.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('ingesters scaled 1 → 3 → 1 under a steady push hand partitions over gracefully, and every acknowledged line is read back once', async (t) => {
  t.timeout(300_000);
  const nats = await startNats(t);
  const s3 = await startS3(t);
  const a = await startProcess(t, nats.url, s3, 'ingester', clusterFlags);
  await settledOn(t, nats.url, [a]);
  const gateway = await startProcess(t, nats.url, s3, 'gateway,distributor,frontend,querier', clusterFlags);
  const load = startLoad(t, { url: () => gateway.url, job: 'scale', streams: 40, batchLines: 400, streamLines: 40, concurrency: 2, pauseMs: 20 });
  await sleep(3000);

  let began = Date.now();
  const [b, c] = await Promise.all([startProcess(t, nats.url, s3, 'ingester', clusterFlags), startProcess(t, nats.url, s3, 'ingester', clusterFlags)]);
  await settledOn(t, nats.url, [a, b, c]);
  const up = Date.now() - began;
  await sleep(3000);

  began = Date.now();
  b.child.kill('SIGTERM');
  c.child.kill('SIGTERM');
  await Promise.all([b.exited, c.exited]);
  const stopped = Date.now() - began;
  await settledOn(t, nats.url, [a]);
  const down = Date.now() - began;
  await sleep(2000);
  await load.stop();

  t.log(`1 → 3: every partition owned and caught up ${up} ms after two ingesters started; 3 → 1: ${down} ms after SIGTERM (the two exited in ${stopped} ms, handing over)`);
  t.true(down < 3 * CLUSTER_TTL_MS, `a graceful hand-over does not wait for leases to expire (${down} ms)`);
  t.regex(b.output() + c.output(), /handed partitions? [\d, ]+ over/, 'the leaving ingesters handed their partitions over');
  const { lost, doubled, returned } = await readBack(gateway.url, load, 'scale');
  t.log(`acknowledged ${load.ackedLines()} lines, read back ${returned}`);
  t.deepEqual(lost.slice(0, 10), [], `lost ${lost.length} acknowledged lines`);
  t.deepEqual(doubled.slice(0, 10), [], `${doubled.length} lines shown twice`);
});
