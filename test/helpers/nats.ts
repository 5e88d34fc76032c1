// A private nats-server for one test: random port, own store, stopped and deleted in teardown
// even when the test fails.
import type { ExecutionContext } from 'ava';
import { startPrivateNats, type NatsServer } from '../../scripts/nats-server.ts';

export async function startNats(t: ExecutionContext): Promise<NatsServer> {
  const server = await startPrivateNats();
  t.teardown(() => server.stop());
  return server;
}
