import test from 'ava';
import { FileAcks } from '../../../actors/agent/acks.ts';

test('the acknowledged offset is the end of the longest run of released tickets from the start', async (t) => {
  const seen: number[] = [];
  const acks = new FileAcks((o) => seen.push(o));
  const a = acks.ticket(100);
  const b = acks.ticket(250);
  const c = acks.ticket(300);
  a.hold();
  for (const x of [a, b, c]) x.release(); // the readers let go; a's entry still holds it
  t.deepEqual(seen, [], 'b and c wait for a');
  let drained = false;
  const done = acks.whenDrained().then(() => (drained = true));
  a.release();
  await done;
  t.deepEqual(seen, [300]);
  t.true(drained);
});
