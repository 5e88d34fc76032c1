// `npm run demo` run as a user runs it: a child process in a directory of its own, on free ports,
// stopped with SIGINT as Ctrl-C would, leaving no process of it behind.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { ROOT } from '../../scripts/processes.ts';
import { pushJson, queryRange, streamBody, waitFor } from '../helpers/loki.ts';
import { tempDir } from '../helpers/node.ts';

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const srv = createServer();
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => r(true)));
  });
}

/** The first of `n` consecutive free ports, below the kernel's ephemeral range so other tests' picks do not land on them. */
async function freePorts(n: number): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await Promise.all(Array.from({ length: n }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`found no ${n} consecutive free ports`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The MEMBERS table's ROLES column, one entry per member. */
function memberRoles(out: string): string[] {
  const section = out.slice(out.indexOf('MEMBERS ('));
  const rows = section.split('\n').slice(2);
  return rows.slice(0, rows.findIndex((l) => !l.trim())).map((l) => l.trim().split(/\s+/)[1]);
}

test('the demo starts two ingesters and two queriers behind a gateway and an agent feeding it from log files, prints Grafana\'s URL and the status table, serves a push, and SIGINT stops every process it started', async (t) => {
  t.timeout(240_000);
  const cwd = await tempDir(t, 'muninn-demo-');
  const [natsPort, base] = [await freePorts(1), await freePorts(6)];
  const env = { ...process.env, NATS_URL: `nats://127.0.0.1:${natsPort}`, MUNINN_DEMO_PORT: String(base), MUNINN_DEMO_NATS_HTTP_PORT: '-1' };
  const demo = spawn(process.execPath, [`--import=${import.meta.resolve('tsx')}`, join(ROOT, 'scripts', 'demo.ts')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => demo.on('exit', (code) => r(code)));
  const pids = () => [...out.matchAll(/ pid (\d+) /g)].map((m) => Number(m[1]));
  t.teardown(() => {
    for (const pid of [demo.pid!, ...pids()]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  await waitFor('the demo to print the status table', async () => {
    if (demo.exitCode !== null) throw new Error(`the demo exited (${demo.exitCode}):\n${out}`);
    return out.includes('status --watch');
  }, 180_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${out}`);
  });
  const gateway = `http://127.0.0.1:${base}`;
  t.true(out.includes(`add a data source of type Loki with URL ${gateway}`), out);
  const roles = memberRoles(out);
  t.is(roles.filter((r) => r === 'ingester').length, 2, out);
  t.is(roles.filter((r) => r === 'querier').length, 2, out);
  t.true(roles.includes('gateway,distributor,frontend,compactor'), out);
  t.is(pids().length, 7, `a nats-server, five Muninn processes and the agent, each with its pid:\n${out}`);
  // the demo's traffic comes from log files, through the agent, over NATS
  await waitFor('the agent\'s lines to be queryable', async () => {
    const got = await queryRange(gateway, { query: '{job="demo", app="api"} |= "level="', since: '5m' });
    return got.result.some((s) => s.values.length > 0);
  });

  const line = `hello from the demo test ${process.pid}`;
  const ns = String(BigInt(Date.now()) * 1_000_000n);
  const res = await pushJson(gateway, streamBody({ job: 'demo-test' }, [[ns, line]]));
  t.is(res.status, 204);
  await waitFor('the pushed line to be read back', async () => {
    const got = await queryRange(gateway, { query: '{job="demo-test"}', since: '5m' });
    return got.result.some((s) => s.values.some(([, l]) => l === line));
  });

  const running = pids();
  t.true(running.every(alive), 'every process the demo started is running before SIGINT');
  demo.kill('SIGINT');
  t.is(await exited, 0, out);
  t.deepEqual(running.filter(alive), [], `processes left after the demo stopped:\n${out}`);
  t.regex(out, /demo stopped/);
});
