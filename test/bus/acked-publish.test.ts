// A publish to JetStream resolves only once the message is stored, a resend under the same id is
// not stored twice, and a publish nothing stores fails in its own time instead of hanging.
import test from 'ava';
import { connect, StorageType } from 'nats';
import { AckedPublisher } from '../../bus/acked-publish.ts';
import { startNats } from '../helpers/nats.ts';

async function setUp(t: import('ava').ExecutionContext) {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  t.teardown(() => nc.close());
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'T', subjects: ['t.>'], storage: StorageType.File, duplicate_window: 60e9 });
  return { nats, nc, jsm, publisher: new AckedPublisher(nc) };
}

test('a publish resolves with its sequence once stored, and a resend under the same id is not stored again', async (t) => {
  const { jsm, publisher } = await setUp(t);
  const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publish(`t.${i % 4}`, Buffer.from(`m${i}`), `id-${i}`, 5000)));
  t.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
  t.is(await publisher.publish('t.0', Buffer.from('m7 again'), 'id-7', 5000), seqs[7]);
  t.is((await jsm.streams.info('T')).state.messages, 50);
  t.is(new TextDecoder().decode((await jsm.streams.getMessage('T', { seq: seqs[7] })).data), 'm7');
});

test('a publish to a subject no stream stores fails at once, naming why', async (t) => {
  const { publisher } = await setUp(t);
  const began = Date.now();
  await t.throwsAsync(publisher.publish('nowhere.1', Buffer.from('x'), 'id', 5000), { message: /JetStream did not take the message: 503/ });
  t.true(Date.now() - began < 2000);
});

test('a publish while nats-server is down fails at its deadline, and publishes work again once it is back', async (t) => {
  const { nats, publisher } = await setUp(t);
  await nats.kill();
  const began = Date.now();
  await t.throwsAsync(publisher.publish('t.1', Buffer.from('x'), 'during', 500), { message: /did not acknowledge the message in time/ });
  const waited = Date.now() - began;
  t.true(waited >= 500 && waited < 1500, `failed after ${waited} ms`);
  await nats.restart();
  for (let i = 0; ; i++) {
    try {
      t.true((await publisher.publish('t.1', Buffer.from('x'), `after-${i}`, 1000)) > 0);
      break;
    } catch (err) {
      if (i > 30) throw err;
    }
  }
});
