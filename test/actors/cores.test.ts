import test from 'ava';
import { request } from 'node:http';
import { Members, connectBus } from '../../bus/index.ts';
import { startNats } from '../helpers/nats.ts';
import { flatten, get, metricValue, queryRange, streamBody, waitFor } from '../helpers/loki.ts';
import { spawnNode, tempDir } from '../helpers/node.ts';

/** A push on a connection of its own, so that the primary hands each to the next worker. */
const pushAlone = (url: string, body: unknown) =>
  new Promise<number>((resolve, reject) => {
    const req = request(`${url}/loki/api/v1/push`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });

const ready = async (url: string) => (await get(url, '/ready').catch(() => undefined))?.status === 200;

test('muninn start with two workers: both register, share the port, /metrics sums them, a killed worker is started again, and SIGTERM stops all', async (t) => {
  t.timeout(180_000);
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const node = await spawnNode(t, nats.url, dir, { 'server.workers': '2' });
  await waitFor('the node ready', () => ready(node.url), 60_000);

  const nc = await connectBus(nats.url, 'test');
  t.teardown(() => nc.close());
  const members = await Members.open(nc);
  const ids = (await members.list()).map((m) => m.id);
  t.is(ids.length, 2, 'one member per worker');

  // pushes land on either worker; every line is read back whichever answers the query
  const values: Array<[string, string]> = [];
  const t0 = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < 40; i++) {
    const v: [string, string] = [String(t0 + BigInt(i)), `line ${i}`];
    values.push(v);
    t.is(await pushAlone(node.url, streamBody({ job: 'cores', n: String(i % 4) }, [v])), 204);
  }
  await waitFor('every line readable', async () => flatten(await queryRange(node.url, { query: '{job="cores"}', since: '5m', limit: '1000' })).length === 40);
  t.is(await metricValue(node.url, 'loki_distributor_lines_received_total', { tenant: 'fake' }), 40, 'the two workers counted together');

  // a worker that dies is started again, with its own directory and so its own id
  const pids = [...node.output().matchAll(/"pid":(\d+),[^\n]*"worker":\d+/g)].map((m) => Number(m[1]));
  const worker = [...new Set(pids)][0];
  process.kill(worker, 'SIGKILL');
  await waitFor('the worker started again', async () => node.output().includes('exited; starting it again'), 20_000);
  await waitFor('the node ready again', () => ready(node.url), 60_000);
  t.deepEqual((await members.list()).map((m) => m.id).sort(), [...ids].sort());
  t.deepEqual(flatten(await queryRange(node.url, { query: '{job="cores"}', since: '5m', limit: '1000', direction: 'forward' })).sort(), values.map(([ts, l]) => `${ts} ${l}`).sort());

  node.child.kill('SIGTERM');
  t.is(await node.exited, 0);
  const alive = [...new Set([...node.output().matchAll(/"pid":(\d+),[^\n]*"worker":\d+/g)].map((m) => Number(m[1])))].filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  t.deepEqual(alive, [], 'no worker outlives the node');
});
