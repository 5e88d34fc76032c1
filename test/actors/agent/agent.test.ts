// The agent end to end: a real nats-server, a real node, real files and the agent as a child
// process. Every line written to a file the agent follows must be found exactly once by a LogQL
// query, through rotation by rename, copy-truncate, a new file appearing, and a restart of the agent.
import { copyFile, mkdir, readFile, rename, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { agentConfig, assertEachOnce, spawnAgent, writeLines } from '../../helpers/agent.ts';
import { waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir } from '../../helpers/node.ts';

test('every line is found once through rotation by rename, copy-truncate, a new file and a restart of the agent', async (t) => {
  t.timeout(120_000);
  const began = Date.now();
  const nats = await startNats(t);
  const node = await startTestNode(t, nats.url, { 'limits_config.max_entries_limit_per_query': '100000' });
  const dir = await tempDir(t);
  const logs = join(dir, 'logs');
  await mkdir(logs);
  const app = join(logs, 'app.log');
  const web = join(logs, 'web.log');
  const written: string[] = [];
  written.push(...(await writeLines(app, 'app', 0, 500)), ...(await writeLines(web, 'web', 0, 500)));

  let agent = await spawnAgent(t, dir, agentConfig(dir, nats.url, 'rotation'));
  const readAll = (n: number) => waitFor(`the agent to read ${n} lines`, async () => (await agent.metric('promtail_read_lines_total')) >= n, 30_000);
  await readAll(1000);

  // rotation by rename: the writer still appends to its open file a moment after the rename
  await rename(app, `${app}.1`);
  written.push(...(await writeLines(`${app}.1`, 'app', 500, 550)));
  written.push(...(await writeLines(app, 'app', 550, 800)));
  // copy-truncate, once the agent has read the file (lines written between the copy and the
  // truncation are lost to any tailer, as logrotate's documentation warns)
  await readAll(1300);
  await copyFile(web, `${web}.1`);
  await truncate(web, 0);
  written.push(...(await writeLines(web, 'web', 500, 600)));
  // a new file matching the glob
  written.push(...(await writeLines(join(logs, 'new.log'), 'new', 0, 300)));
  await readAll(1300 + 100 + 300);

  t.regex(agent.output(), /file rotated; reading the new file from the start/);
  t.regex(agent.output(), /file truncated; reading it from the start/);

  // a restart: lines written while the agent is down are read when it is back, from the saved positions
  t.is(await agent.stop(), 0, agent.output().slice(-2000));
  const positions = await readFile(join(dir, 'positions.yaml'), 'utf8');
  t.regex(positions, /app\.log/);
  written.push(...(await writeLines(app, 'app', 800, 1000)), ...(await writeLines(web, 'web', 600, 700)), ...(await writeLines(join(logs, 'new.log'), 'new', 300, 400)));
  agent = await spawnAgent(t, dir, agentConfig(dir, nats.url, 'rotation'));
  await readAll(400);

  await assertEachOnce(t, node.url, 'rotation', began - 60_000, written);
});

test('an agent SIGKILLed mid-stream sends again what it had not saved, and every line is still found once', async (t) => {
  t.timeout(120_000);
  const began = Date.now();
  const nats = await startNats(t);
  const node = await startTestNode(t, nats.url, { 'limits_config.max_entries_limit_per_query': '100000' });
  const dir = await tempDir(t);
  await mkdir(join(dir, 'logs'));
  const app = join(dir, 'logs', 'app.log');
  // positions saved seldom, as promtail's default: a SIGKILL leaves seconds of sent lines unsaved
  const cfg = agentConfig(dir, nats.url, 'killed');
  cfg.positions.sync_period = '10s';
  const written: string[] = [];
  let writing = true;
  let seq = 0;
  const writer = (async () => {
    while (writing) {
      written.push(...(await writeLines(app, 'app', seq, seq + 20)));
      seq += 20;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let agent = await spawnAgent(t, dir, cfg);
  await waitFor('lines sent', async () => (await agent.metric('promtail_sent_entries_total')) >= 400, 30_000);
  agent.child.kill('SIGKILL');
  await agent.exited;
  const writtenAtKill = written.length;
  agent = await spawnAgent(t, dir, cfg);
  await new Promise((r) => setTimeout(r, 2000));
  writing = false;
  await writer;
  await waitFor('the restarted agent to read to the end', async () => (await agent.metric('promtail_read_lines_total')) >= written.length - writtenAtKill, 30_000);
  await new Promise((r) => setTimeout(r, 1500));
  // it read again lines the first agent had sent: the positions file was behind them
  const reread = (await agent.metric('promtail_read_lines_total')) - (written.length - writtenAtKill);
  t.true(reread > 0, `the restarted agent read ${reread} lines again`);
  await assertEachOnce(t, node.url, 'killed', began - 60_000, written);
});
