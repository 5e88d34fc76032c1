// The ingest log is purged below what every partition still needs, in one purge: a message a
// partition's replay must read stays, one every partition is past goes, and a partition that
// has messages but no checkpoint yet holds everything.
import test from 'ava';
import { connect } from 'nats';
import { IngestLog } from '../../bus/ingest-log.ts';
import { streams } from '../../bus/subjects.ts';
import { startNats } from '../helpers/nats.ts';

test('purging keeps every message some partition still needs and drops the rest', async (t) => {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  const log = await IngestLog.open(nc, { duplicateWindowMs: 60_000, maxBytes: 64 << 20 });
  const jsm = await nc.jetstreamManager();
  // seq 1-3 partition 0, 4-6 partition 1, 7 partition 2; partition 3 has none
  const parts = [0, 0, 0, 1, 1, 1, 2];
  for (const [i, p] of parts.entries()) t.is(await log.append(p, Buffer.from(`m${i}`), `id-${i}`), i + 1);
  const kept = async () => {
    const { first_seq, messages } = (await jsm.streams.info(streams.ingest)).state;
    return [first_seq, messages];
  };
  const checkpoints = new Map<number, number>();
  // no checkpoint reads as the first sequence (as Checkpoints.get answers)
  const purge = () => log.purgeConsumed(4, async (p) => checkpoints.get(p) ?? 1);

  // partition 2 has a message and no checkpoint: nothing goes
  checkpoints.set(0, 4).set(1, 5);
  await purge();
  t.deepEqual(await kept(), [1, 7]);

  // partition 1 still needs 5 and 6; partition 0 and 2 are past all of theirs; 3 has none
  checkpoints.set(2, 8);
  await purge();
  t.deepEqual(await kept(), [5, 3]);
  t.is(new TextDecoder().decode((await jsm.streams.getMessage(streams.ingest, { seq: 5 })).data), 'm4');

  // a checkpoint at a partition's last message still needs it
  checkpoints.set(1, 6);
  await purge();
  t.deepEqual(await kept(), [6, 2]);

  // every partition past its messages: the log empties, and new appends carry on after it
  checkpoints.set(1, 7);
  await purge();
  t.deepEqual(await kept(), [8, 0]);
  t.is(await log.append(3, Buffer.from('later'), 'id-later'), 8);
  await purge();
  t.deepEqual(await kept(), [8, 1], 'a message no checkpoint has passed stays');
});

test('a purge worked out while the log was empty keeps the first message appended meanwhile', async (t) => {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  const log = await IngestLog.open(nc, { duplicateWindowMs: 60_000, maxBytes: 64 << 20 });
  const jsm = await nc.jetstreamManager();
  // the first push of a fresh cluster lands between the purge's look at the log and the purge itself
  await log.purgeConsumed(2, async (p) => {
    if (p === 0) t.is(await log.append(0, Buffer.from('first'), 'first'), 1);
    return 1;
  });
  t.is((await jsm.streams.info(streams.ingest)).state.messages, 1, 'the acknowledged first message is still in the log');
  t.is(new TextDecoder().decode((await jsm.streams.getMessage(streams.ingest, { seq: 1 })).data), 'first');
});
