import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import { Ownership, type OwnershipHooks } from '../../../actors/ingester/ownership.ts';
import { Leases, connectBus, leaseOf } from '../../../bus/index.ts';
import { startNats } from '../../helpers/nats.ts';

const TTL_MS = 3000;
const PARTITIONS = 4;
const logger = pino({ level: 'silent' });

/** An ingester's ownership on a connection of its own, with hooks that only record what they are told. */
async function ownership(t: ExecutionContext, natsUrl: string, id: string, live: () => string[]) {
  const nc = await connectBus(natsUrl, id);
  t.teardown(() => nc.close());
  const leases = await Leases.open(nc, { ttlMs: TTL_MS, replicas: 1 });
  const dropped: number[] = [];
  const hooks: OwnershipHooks = { take: async () => undefined, handOff: async () => undefined, drop: (p) => void dropped.push(p), isReady: () => true };
  const o = new Ownership({ id, partitions: PARTITIONS, ttl_ms: TTL_MS }, { leases, view: leases.view(), liveIngesters: live, hooks, logger });
  return { o, leases, dropped };
}

async function bucketLeases(leases: Leases): Promise<Map<number, string>> {
  const view = leases.view();
  await view.relist();
  view.stop();
  const out = new Map<number, string>();
  for (const e of view.current().values()) {
    const l = leaseOf(e.key, e.value, e.revision, e.created);
    if (l) out.set(l.partition, l.owner);
  }
  return out;
}

test('renewals of one partition at the same moment both succeed, and the partition is kept', async (t) => {
  const nats = await startNats(t);
  const { o, dropped } = await ownership(t, nats.url, 'a', () => ['a']);
  await o.start();
  t.teardown(() => o.stop(false));
  t.deepEqual(o.partitions().sort(), [0, 1, 2, 3]);
  // the periodic renewal and the one a caught-up replay asks for can meet
  const results = await Promise.all([o.renew(0), o.renew(0), o.renew(0)]);
  t.deepEqual(results, [true, true, true]);
  t.deepEqual(dropped, []);
  t.true(o.valid(0));
});

test('a hand-over while a renewal is in flight releases the lease, so the next owner takes it at once', async (t) => {
  const nats = await startNats(t);
  const a = await ownership(t, nats.url, 'a', () => ['a']);
  await a.o.start();
  t.deepEqual(a.o.partitions().sort(), [0, 1, 2, 3]);
  const renewing = Promise.all(a.o.partitions().map((p) => a.o.renew(p)));
  await a.o.stop(true);
  await renewing;
  t.deepEqual(await bucketLeases(a.leases), new Map(), 'every lease released, none left to expire');

  const b = await ownership(t, nats.url, 'b', () => ['b']);
  const began = Date.now();
  await b.o.start();
  t.teardown(() => b.o.stop(false));
  t.deepEqual(b.o.partitions().sort(), [0, 1, 2, 3]);
  t.true(Date.now() - began < TTL_MS / 2, 'taken without waiting for a lease to expire');
});
