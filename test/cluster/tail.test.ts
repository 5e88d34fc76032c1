// Live tails across processes: a gateway with a frontend and an ingester, two querier processes that
// hold the tails, one nats-server. A querier SIGKILLed mid-tail loses none of its tails: the gateway
// hears nothing from it and moves each to the other querier, from the last entry it sent.
import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { startS3 } from '../helpers/s3.ts';
import { clusterFlags, settledOn, startProcess } from '../helpers/cluster.ts';
import { metricValue, waitFor } from '../helpers/loki.ts';
import { nsAgo, push, tailClient } from '../helpers/tail.ts';

const TAILS = 6;

test('tails held by two querier processes get their lines, and those of a querier SIGKILLed mid-tail move to the other without losing or doubling a line', async (t) => {
  t.timeout(240_000);
  const nats = await startNats(t);
  const s3 = await startS3(t);
  const one = { ...clusterFlags, 'querier.worker_threads': '1', 'limits_config.max_concurrent_tail_requests': '20' };
  const [front, q1, q2] = await Promise.all([
    startProcess(t, nats.url, s3, 'gateway,distributor,frontend,ingester', one),
    startProcess(t, nats.url, s3, 'querier', one),
    startProcess(t, nats.url, s3, 'querier', one),
  ]);
  await settledOn(t, nats.url, [front]);
  const held = (q: { url: string }) => metricValue(q.url, 'loki_querier_tail_active');

  const queries = ['{app="c"}', '{app="c"} |= "line"', '{app="c"} | logfmt | n > 0', '{app=~"c|d"}', '{app="c"} != "nothing"', '{app="c"} | logfmt | kept="yes"'];
  const tails = await Promise.all(queries.map((query) => tailClient(t, front.url, { query, limit: '10' })));
  await waitFor('every tail held by a querier', async () => (await held(q1)) + (await held(q2)) === TAILS, 30_000);
  // the queue group places tails at random: more of the first kind until each querier holds some
  let total = TAILS;
  while ((await held(q1)) === 0 || (await held(q2)) === 0) {
    if (total === 20) throw new Error('the queue group placed 20 tails on one querier');
    tails.push(await tailClient(t, front.url, { query: queries[0], limit: '10' }));
    total++;
    await waitFor('the extra tail held', async () => (await held(q1)) + (await held(q2)) === total, 30_000);
  }
  const counts = [await held(q1), await held(q2)];
  t.log(`tails held: ${counts.join(' and ')}`);

  await push(front.url, { app: 'c' }, [[nsAgo(2), 'line n=1 kept=yes'], [nsAgo(1), 'line n=0 kept=no']]);
  await Promise.all(tails.map((c) => c.until('the first line', (x) => x.lines().includes('line n=1 kept=yes'))));

  // the one holding more, so the move is seen whatever the queue group chose
  const [dead, alive] = counts[0] >= counts[1] ? [q1, q2] : [q2, q1];
  dead.kill();
  await dead.exited;
  await push(front.url, { app: 'c' }, [[nsAgo(0), 'line n=2 kept=yes']]);
  await Promise.all(tails.map((c) => c.until('the line pushed after the kill', (x) => x.lines().includes('line n=2 kept=yes'), 60_000)));
  await waitFor('the survivor to hold every tail', async () => (await held(alive)) === total, 30_000);
  await push(front.url, { app: 'c' }, [[nsAgo(0), 'line n=3 kept=yes']]);
  await Promise.all(tails.map((c) => c.until('a line after the move', (x) => x.lines().includes('line n=3 kept=yes'))));

  const expected = ['line n=1 kept=yes', 'line n=2 kept=yes', 'line n=3 kept=yes'];
  t.deepEqual(tails[0].lines(), ['line n=1 kept=yes', 'line n=0 kept=no', ...expected.slice(1)], 'the bare selector keeps every line, once');
  for (const [i, c] of tails.entries()) if (i !== 0 && i !== 2 && i !== 5) t.deepEqual(c.lines(), tails[0].lines(), queries[i] ?? queries[0]);
  t.deepEqual(tails[2].lines(), expected, queries[2]);
  t.deepEqual(tails[5].lines(), expected, queries[5]);
  t.deepEqual(tails[2].entries()[0].labels, { app: 'c', kept: 'yes', line: '', n: '1' });
});
