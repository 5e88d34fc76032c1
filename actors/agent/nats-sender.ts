// Sends batches as NATS requests to `muninn.push.<tenant>` (the distributors' queue group), with
// the connection's own reconnects; a tenant_id left empty is Loki's `fake`, as without auth.
import type { NatsConnection } from 'nats';
import { RemoteError, connectBus, pushOverBus, watchConnection } from '../../bus/index.ts';
import type { Batch } from './batch.ts';
import { SendError, type Sender } from './sender.ts';

/** nats-server's default max_payload, for when the server has not said. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export class NatsSender implements Sender {
  private nc: NatsConnection | undefined;
  /** Set once the first connection fails for good (never, with waitForServer: kept for close). */
  private readonly connecting: Promise<NatsConnection | undefined>;

  private constructor(
    url: string,
    readonly host: string,
    log: Parameters<typeof watchConnection>[1],
  ) {
    // the agent starts and reads whether NATS is up or not, as promtail starts without Loki: its
    // batches are retried with backoff until the first connection is made
    this.connecting = connectBus(url, 'muninn-agent', true).then(
      (nc) => {
        watchConnection(nc, log);
        log.info({ url }, 'connected to NATS');
        return (this.nc = nc);
      },
      (err) => {
        log.warn({ err, url }, 'cannot connect to NATS');
        return undefined;
      },
    );
  }

  static connect(url: string, log: Parameters<typeof watchConnection>[1]): NatsSender {
    return new NatsSender(url, new URL(url.split(',')[0].replace(/^nats:/, 'http:')).host, log);
  }

  maxBodyBytes(): number {
    return this.nc?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  async send(tenant: string, batch: Batch, timeoutMs: number): Promise<number> {
    if (!this.nc) throw new SendError('not connected to NATS yet', 0);
    try {
      return await pushOverBus(this.nc, tenant || 'fake', batch.toBus(), timeoutMs);
    } catch (err) {
      if (err instanceof RemoteError) throw new SendError(err.message, err.status, { cause: err });
      // BusError: no distributor answered in time; anything else: the connection failed it
      throw new SendError((err as Error).message, 0, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.nc) await this.nc.close();
    // a first connection still being tried is closed once made
    else void this.connecting.then((nc) => nc?.close());
  }
}
