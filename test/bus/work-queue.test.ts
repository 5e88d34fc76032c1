// The query work queue hands each task to one free querier loop, once.
import test from 'ava';
import { connect } from 'nats';
import { WorkQueue, type Task } from '../../bus/work-queue.ts';
import { startNats } from '../helpers/nats.ts';

const task = (id: string): Task => ({ id, reply: `reply.${id}`, deadline: Date.now() + 120_000, body: {} });

async function setUp(t: import('ava').ExecutionContext) {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  return { nc, queue: await WorkQueue.open(nc, 30_000) };
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
