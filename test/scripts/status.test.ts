// `muninn status` run as a user runs it, a child process against a real nats-server and node.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import test from 'ava';
import { Leases, connectBus } from '../../bus/index.ts';
import { pushJson, streamBody } from '../helpers/loki.ts';
import { startNats } from '../helpers/nats.ts';
import { startTestNode, tempDir } from '../helpers/node.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface StatusJson {
  members: Array<{ id: string; roles: string[] }> | null;
  nats: { servers: Array<{ url: string; up: boolean }> };
  partitions: Array<{ partition: number; owner: string | null; head: number; lag: number }>;
  ingesters: Array<{ id: string; streams: number | null }>;
  queue: { queriers: number } | null;
  store: { chunks: { count: number } } | null;
  problems: string[];
}

function muninn(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', 'scripts/muninn.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function statusJson(args: string[]): Promise<Run & { json: StatusJson }> {
  const run = await muninn(['status', '--json', ...args]);
  try {
    return { ...run, json: JSON.parse(run.stdout) as StatusJson };
  } catch {
    throw new Error(`status --json did not print JSON (exit ${run.code}): ${run.stdout}${run.stderr}`);
  }
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Every role but the ingester: nothing takes the partitions' leases, whatever ingesters come to do. */
const NO_INGESTER = 'gateway,distributor,frontend,querier';

test('status lists a running node with its roles, and a partition without owner is a problem', async (t) => {
  const nats = await startNats(t);
  const { node, dataDir } = await startTestNode(t, nats.url);
  const { code, json } = await statusJson([`--nats.url=${nats.url}`, `--common.path_prefix=${dataDir}`]);
  const me = json.members?.find((m) => m.id === node.id);
  t.truthy(me, 'the node is a member');
  t.deepEqual([...me!.roles].sort(), ['compactor', 'distributor', 'frontend', 'gateway', 'ingester', 'querier']);
  t.truthy(json.ingesters.find((i) => i.id === node.id), 'the node is listed as an ingester');
  t.is(json.partitions.length, 32);
  for (const p of json.partitions)
    t.is(json.problems.includes(`partition ${p.partition} has no owner`), p.owner === null, `partition ${p.partition}`);
  t.is(code, json.problems.length ? 1 : 0, 'the exit code says whether there are problems');
  t.deepEqual(json.nats.servers, [{ url: nats.url, up: true }]);
  t.truthy(json.store, 'the store was listed');
});

test('with no ingester, status exits 1 naming every unowned partition, and the text report says so too', async (t) => {
  const nats = await startNats(t);
  const { dataDir } = await startTestNode(t, nats.url, { target: NO_INGESTER, 'distributor.partitions': '4' });
  const flags = [`--nats.url=${nats.url}`, `--common.path_prefix=${dataDir}`, '--distributor.partitions=4'];
  const { code, json } = await statusJson(flags);
  t.is(code, 1);
  t.deepEqual(json.problems, ['partition 0 has no owner', 'partition 1 has no owner', 'partition 2 has no owner', 'partition 3 has no owner']);
  t.deepEqual(json.ingesters, []);

  const text = await muninn(['status', ...flags]);
  t.is(text.code, 1);
  t.regex(text.stdout, /^PROBLEMS\n {2}partition 0 has no owner\n {2}partition 1 has no owner\n/m);
  t.regex(text.stdout, /^MEMBERS \(1\)$/m);
});

test('status shows the owners of leased partitions, and exits 0 once every partition is owned', async (t) => {
  const nats = await startNats(t);
  // a long TTL, for whoever makes the bucket: however slowly a loaded machine runs the command, the leases stay live
  const { dataDir } = await startTestNode(t, nats.url, { target: NO_INGESTER, 'distributor.partitions': '4', 'ingester.lease_ttl': '5m' });
  const nc = await connectBus(nats.url, 'test');
  t.teardown(() => nc.close());
  const leases = await Leases.open(nc, { ttlMs: 300_000, replicas: 1 });
  for (let p = 0; p < 4; p++) t.truthy(await leases.claim(p, `ingester-${p % 2}`));
  const { code, json } = await statusJson([`--nats.url=${nats.url}`, `--common.path_prefix=${dataDir}`, '--distributor.partitions=4', '--ingester.lease_ttl=5m']);
  t.deepEqual(json.partitions.map((p) => p.owner), ['ingester-0', 'ingester-1', 'ingester-0', 'ingester-1']);
  t.deepEqual(json.problems, []);
  t.is(code, 0);
});

test('a partition lagging past --max-lag is a problem naming its lag', async (t) => {
  const nats = await startNats(t);
  const { url, dataDir } = await startTestNode(t, nats.url, { target: NO_INGESTER, 'distributor.partitions': '1' });
  const res = await pushJson(url, streamBody({ app: 'status-test' }, [[String(Date.now() * 1e6), 'a line nobody consumes']]));
  t.is(res.status, 204);
  const { code, json } = await statusJson([`--nats.url=${nats.url}`, `--common.path_prefix=${dataDir}`, '--distributor.partitions=1', '--max-lag=0']);
  t.is(code, 1);
  t.true(json.partitions[0].lag >= 1);
  t.true(json.problems.includes(`partition 0 lags ${json.partitions[0].lag} messages (over 0)`), json.problems.join('\n'));
});

test('a configured NATS server that does not answer is a problem, and the others are still read', async (t) => {
  const nats = await startNats(t);
  const { node, dataDir } = await startTestNode(t, nats.url, { target: NO_INGESTER });
  const dead = `nats://127.0.0.1:${await deadPort()}`;
  const { code, json } = await statusJson([`--nats.url=${nats.url},${dead}`, `--common.path_prefix=${dataDir}`]);
  t.is(code, 1);
  t.deepEqual(json.nats.servers, [{ url: nats.url, up: true }, { url: dead, up: false }]);
  t.true(json.problems.includes(`NATS server ${dead} does not answer`));
  t.truthy(json.members?.find((m) => m.id === node.id), 'members are read through the server that answers');
});

test('with no NATS server answering, status says so and exits 1', async (t) => {
  const dead = `nats://127.0.0.1:${await deadPort()}`;
  const { code, json } = await statusJson([`--nats.url=${dead}`, `--common.path_prefix=${await tempDir(t)}`]);
  t.is(code, 1);
  t.true(json.problems.includes(`NATS server ${dead} does not answer`));
  t.is(json.members, null);
  t.is(json.store?.chunks.count, 0, 'the store is read without NATS');
});

test('no querier running is a problem', async (t) => {
  const nats = await startNats(t);
  const { dataDir } = await startTestNode(t, nats.url, { target: 'gateway,distributor' });
  const { code, json } = await statusJson([`--nats.url=${nats.url}`, `--common.path_prefix=${dataDir}`]);
  t.is(code, 1);
  t.true(json.problems.includes('no querier is running'));
});

test('--watch draws the report again until stopped', async (t) => {
  const nats = await startNats(t);
  const { dataDir } = await startTestNode(t, nats.url, { target: NO_INGESTER });
  const child = spawn(process.execPath, ['--import=tsx', 'scripts/muninn.ts', 'status', '--watch', `--nats.url=${nats.url}`, `--common.path_prefix=${dataDir}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\x1b[2J').length > 2) resolve();
    });
    child.on('exit', () => reject(new Error(`status --watch exited: ${out}`)));
  });
  const draws = out.split('\x1b[2J').slice(1);
  t.true(draws.length >= 2);
  t.regex(draws[0], /^\x1b\[HMuninn status at .*\n[^]*\nPROBLEMS\n/i, 'each draw is a whole report on a cleared screen');
  child.kill('SIGINT');
});
