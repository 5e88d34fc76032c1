// "No answer came" must mean that no answer came, not that the thread was too busy to read it.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import test from 'ava';
import { noAnswerAfter } from '../../bus/no-answer-timer.ts';

test.serial('with no answer, the timer fires after its time', async (t) => {
  const began = Date.now();
  await new Promise<void>((r) => noAnswerAfter(300, r));
  const took = Date.now() - began;
  t.true(took >= 290 && took < 1000, `fired after ${took} ms`);
});

test.serial('an answer that arrived while the thread was blocked past the deadline is read before the timer gives up', async (t) => {
  // the answer: a line a child process sends over TCP 300 ms after this one connects
  const child = spawn(
    process.execPath,
    ['-e', 'require("net").createServer((c) => setTimeout(() => c.write("answer"), 300)).listen(0, "127.0.0.1", function () { console.log(this.address().port) })'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.teardown(() => child.kill());
  const port = Number(await new Promise<string>((r) => child.stdout!.once('data', (d: Buffer) => r(d.toString()))));
  const socket = connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  const events: string[] = [];
  const outcome = new Promise<void>((resolve) => {
    const cancel = noAnswerAfter(500, () => {
      events.push('no answer');
      resolve();
    });
    socket.once('data', () => {
      events.push('answer');
      cancel();
      resolve();
    });
  });
  const until = Date.now() + 1500; // the answer comes at 300 ms, the deadline is at 500 ms
  while (Date.now() < until);
  await outcome;
  t.deepEqual(events, ['answer']);
});
