// A gateway hands a query to a frontend and waits for its receipt: a query whose receipt never
// came (a frontend's connection moving between NATS servers) is asked again until the deadline,
// and answered once; with no frontend at all the gateway says so at once.
import test from 'ava';
import { connect } from 'nats';
import { askFrontend, serveFrontend, type QueryRequest } from '../../bus/frontend-query.ts';
import { queueGroups, subjects } from '../../bus/subjects.ts';
import { startNats } from '../helpers/nats.ts';

const req: QueryRequest = { kind: 'labels', tenant: 't', start: '0', end: '1' };

test('a query whose receipt was lost is asked again and answered', async (t) => {
  t.timeout(30_000);
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  let stop: (() => void) | undefined;
  let asked = 0;
  // the first try reaches a frontend that goes away without a receipt; the next one is served
  const lost = nc.subscribe(subjects.frontendQuery, {
    queue: queueGroups.frontends,
    callback: () => {
      lost.unsubscribe();
      stop = serveFrontend(nc, async () => {
        asked++;
        return { data: ['a', 'b'], warnings: [] };
      });
    },
  });
  await nc.flush();
  const started = Date.now();
  const answer = await askFrontend(nc, req, Date.now() + 20_000);
  t.deepEqual(answer, { data: ['a', 'b'], warnings: [] });
  t.is(asked, 1);
  t.true(Date.now() - started >= 4000, 'asked again after the receipt timeout');
  stop?.();
});

test('with no frontend at all the query fails at once, saying so', async (t) => {
  const nats = await startNats(t);
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  const started = Date.now();
  await t.throwsAsync(askFrontend(nc, req, Date.now() + 20_000), { message: 'no query frontend is running' });
  t.true(Date.now() - started < 3000);
});
