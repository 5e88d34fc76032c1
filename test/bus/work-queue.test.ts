// The query work queue hands each task to one free querier loop, and never drops a task JetStream
// delivered: a task is delivered once, so a dropped one left its sub-query waiting for the
// frontend's timeout (30 s) before it was asked again.
import { spawn } from 'node:child_process';
import test from 'ava';
import { connect } from 'nats';
import { encode } from '../../bus/codec.ts';
import { subjects } from '../../bus/subjects.ts';
import { WorkQueue, type Task } from '../../bus/work-queue.ts';
import { startNats } from '../helpers/nats.ts';

const task = (id: string): Task => ({ id, reply: `reply.${id}`, deadline: Date.now() + 120_000, body: {} });

async function setUp(t: import('ava').ExecutionContext) {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  return { nats, nc, queue: await WorkQueue.open(nc, 30_000) };
}

test('tasks put on the queue are each handled once, by the loops that are free', async (t) => {
  const { queue } = await setUp(t);
  const handled: string[] = [];
  const stop = queue.serve(3, async (task) => {
    handled.push(task.id);
    await new Promise((r) => setTimeout(r, 20));
  });
  t.teardown(stop);
  await Promise.all(Array.from({ length: 30 }, (_, i) => queue.put(task(`t${i}`))));
  const until = Date.now() + 10_000;
  while (handled.length < 30 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.deepEqual([...handled].sort(), Array.from({ length: 30 }, (_, i) => `t${i}`).sort());
});

test.serial('a task delivered while the thread is too busy to read it until its pull has expired is still handled, at once', async (t) => {
  const { nats, queue } = await setUp(t);
  const handled = new Map<string, number>();
  let blockedUntil = 0;
  const stop = queue.serve(2, async (got) => {
    handled.set(got.id, Date.now());
    if (got.id !== 'busy') return;
    // another thread's work holds the event loop past the other loop's pull and its grace
    blockedUntil = Date.now() + 9_000;
    while (Date.now() < blockedUntil);
  });
  t.teardown(stop);
  await new Promise((r) => setTimeout(r, 300)); // both loops pulling
  // meanwhile a second process puts the next task: the server sends it to the free loop's pull,
  // where it waits unread in the socket until the block ends, after that pull's expiry
  const late = Buffer.from(encode({ ...task('late') })).toString('base64');
  const putter = spawn(
    process.execPath,
    [
      '-e',
      `const { connect } = require('nats');
      (async () => {
        const nc = await connect({ servers: ${JSON.stringify(nats.url)} });
        await new Promise((r) => setTimeout(r, 2000));
        await nc.jetstream().publish(${JSON.stringify(subjects.queryTasks)}, Buffer.from(${JSON.stringify(late)}, 'base64'));
        await nc.close();
      })();`,
    ],
    { stdio: 'inherit' },
  );
  const putDone = new Promise((r) => putter.on('exit', r));
  await queue.put(task('busy'));
  const until = Date.now() + 20_000;
  while (!handled.has('late') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.is(await putDone, 0, 'the second process put its task');
  t.true(handled.has('late'), 'the task delivered during the block was handled');
  const after = handled.get('late')! - blockedUntil;
  t.log(`handled ${after} ms after the thread was free again`);
  t.true(after >= 0 && after < 2000, `handled ${after} ms after the block, not after a timeout`);
});
