// Sends batches as NATS requests to `muninn.push.<tenant>` (the distributors' queue group), with
// the connection's own reconnects; a tenant_id left empty is Loki's `fake`, as without auth.
import type { NatsConnection } from 'nats';
import { RemoteError, connectBus, pushOverBus, watchConnection } from '../../bus/index.ts';
import type { Batch } from './batch.ts';
import { SendError, type Sender } from './sender.ts';

/** nats-server's default max_payload, for when the server has not said. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export class NatsSender implements Sender {
  private constructor(
    private readonly nc: NatsConnection,
    readonly host: string,
  ) {}

  static async connect(url: string, log: Parameters<typeof watchConnection>[1]): Promise<NatsSender> {
    const nc = await connectBus(url, 'muninn-agent');
    watchConnection(nc, log);
    return new NatsSender(nc, new URL(url.split(',')[0].replace(/^nats:/, 'http:')).host);
  }

  maxBodyBytes(): number {
    return this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  async send(tenant: string, batch: Batch, timeoutMs: number): Promise<number> {
    try {
      return await pushOverBus(this.nc, tenant || 'fake', batch.toBus(), timeoutMs);
    } catch (err) {
      if (err instanceof RemoteError) throw new SendError(err.message, err.status, { cause: err });
      // BusError: no distributor answered in time; anything else: the connection failed it
      throw new SendError((err as Error).message, 0, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
