// A reader stuck where its own retries do not reach (here: waiting for bytes of a budget another
// holder never gives back) is found once it has been quiet for STALL_MS with messages waiting; a
// reader at the log's head, however long quiet, is not, nor is one whose log does not answer.
import test from 'ava';
import { connect } from 'nats';
import { ByteBudget } from '../../../bus/byte-budget.ts';
import { IngestLog } from '../../../bus/ingest-log.ts';
import { Partition } from '../../../actors/ingester/partition.ts';
import { STALL_MS, stalledReaders } from '../../../actors/ingester/reader-watch.ts';
import { startNats } from '../../helpers/nats.ts';
import { waitFor } from '../../helpers/loki.ts';

test('a reader quiet for STALL_MS with messages waiting is found stuck, and names where it waits', async (t) => {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  const log = await IngestLog.open(nc, { duplicateWindowMs: 60_000, maxBytes: 64 << 20 });
  for (let i = 0; i < 3; i++) await log.append(0, Buffer.from(`a${i}`), `a-${i}`);
  for (let i = 0; i < 3; i++) await log.append(1, Buffer.from(`b${i}`), `b-${i}`);

  const readInto = (part: Partition, budget: ByteBudget) => {
    part.reader = log.read(part.id, 1, budget, { message: (m) => part.read(m.seq, m.pending), idle: () => part.idle() });
    t.teardown(() => part.reader?.stop());
  };
  // partition 0's budget is all taken by someone who never gives it back
  const starved = new ByteBudget(1 << 20);
  const give = await starved.take(1 << 20);
  const stuck = new Partition(0, { seq: 1, flushed: {} }, await log.lastSeq(0), 0);
  readInto(stuck, starved);
  const atHead = new Partition(1, { seq: 1, flushed: {} }, await log.lastSeq(1), 0);
  readInto(atHead, new ByteBudget(32 << 20));
  await waitFor('partition 1 read to its head', async () => atHead.consumed === (await log.lastSeq(1)), 10_000);

  t.is(stuck.reader!.state.phase, 'reserving');
  t.is(stuck.consumed, 0);
  const later = Date.now() + STALL_MS;
  const lastSeq = (p: number) => log.lastSeq(p);
  // not yet quiet long enough
  t.deepEqual(await stalledReaders([stuck, atHead], lastSeq), []);
  t.deepEqual((await stalledReaders([stuck, atHead], lastSeq, later)).map((p) => p.id), [0]);
  // a log that does not answer says 0: its readers are retrying an outage, not stuck
  t.deepEqual(await stalledReaders([stuck, atHead], async () => 0, later), []);
  // a partition given up is not watched
  stuck.dropped = true;
  t.deepEqual(await stalledReaders([stuck, atHead], lastSeq, later), []);
  await stuck.reader!.stop();
  give();
  t.is(starved.inFlight, 0);
});

test('a stuck reader stops, and one read anew from where it stood hands over each message once', async (t) => {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  const log = await IngestLog.open(nc, { duplicateWindowMs: 60_000, maxBytes: 64 << 20 });
  for (let i = 0; i < 5; i++) await log.append(0, Buffer.from(`m${i}`), `m-${i}`);
  const part = new Partition(0, { seq: 1, flushed: {} }, await log.lastSeq(0), 0);
  const seen: number[] = [];
  const events = { message: (m: { seq: number; pending: number }) => (seen.push(m.seq), part.read(m.seq, m.pending)), idle: () => part.idle() };
  const budget = new ByteBudget(32 << 20);
  const old = log.read(0, 1, budget, events);
  part.reader = old;
  await waitFor('the first five read', async () => part.consumed === 5, 10_000);
  // its budget runs dry (taken once its pull at the head gives its bytes back): it is stuck
  const give = await budget.take(32 << 20);
  for (let i = 5; i < 8; i++) await log.append(0, Buffer.from(`m${i}`), `m-${i}`);
  await waitFor('the reader waits for bytes', async () => old.state.phase === 'reserving', 10_000);
  t.deepEqual((await stalledReaders([part], (p) => log.lastSeq(p), Date.now() + STALL_MS)).map((p) => p.id), [0]);
  // stopping it does not wait for the budget
  await old.stop();
  t.is(old.state.phase, 'stopped');
  part.reader = log.read(0, part.consumed + 1, new ByteBudget(32 << 20), events);
  t.teardown(() => part.reader?.stop());
  await waitFor('all eight read', async () => part.consumed === 8, 10_000);
  // the old budget comes back: the stopped reader hands over nothing more
  give();
  await new Promise((r) => setTimeout(r, 500));
  t.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8]);
  t.is(budget.inFlight, 0);
});
