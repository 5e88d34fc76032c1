// `npm start` runs its own nats-server. Ctrl-C in a terminal (SIGINT) or a SIGTERM to the whole
// process group reaches every process of the group at once: the node must still stop in order,
// flushing and writing its checkpoints over NATS, and only then stop the nats-server it started.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { natsAnswers } from '../../bus/index.ts';
import { freePort } from '../../scripts/nats-server.ts';
import { pushJson, queryRange, streamBody, flatten } from '../helpers/loki.ts';
import { spawnNode, tempDir } from '../helpers/node.ts';

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  test(`${signal} to the whole process group stops the node in order before the nats-server it started, and a restart finds every line`, async (t) => {
    t.timeout(120_000);
    const dir = await tempDir(t);
    const conf = join(dir, 'nats.conf');
    await writeFile(conf, `max_payload: 8MB\njetstream { store_dir: "${join(dir, 'nats')}" }\n`);
    const url = `nats://127.0.0.1:${await freePort()}`;
    const flags = { 'nats.start_local': 'true', 'nats.config_file': conf, 'ingester.flush_on_shutdown': 'true' };
    const first = await spawnNode(t, url, dir, flags);
    const ts = String(BigInt(Date.now()) * 1_000_000n);
    t.is((await pushJson(first.url, streamBody({ job: 'ctrl-c' }, [[ts, 'kept over a Ctrl-C']]))).status, 204);

    process.kill(-first.child.pid!, signal);
    t.is(await first.exited, 0);
    const log = first.output();
    t.notRegex(log, /nats-server exited|failed|lost/i, 'no step of the stop went without NATS');
    t.false(await natsAnswers(url, 500), 'the node stopped its nats-server');

    const second = await spawnNode(t, url, dir, flags);
    t.deepEqual(flatten(await queryRange(second.url, { query: '{job="ctrl-c"}', since: '5m' })), [`${ts} kept over a Ctrl-C`]);
    process.kill(-second.child.pid!, 'SIGTERM');
    t.is(await second.exited, 0);
  });
