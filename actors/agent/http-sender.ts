// Sends batches as Loki's JSON push to a client's `url` (promtail's: .../loki/api/v1/push), the
// tenant in X-Scope-OrgID when tenant_id is set.
import type { Batch } from './batch.ts';
import { SendError, type Sender } from './sender.ts';

export class HttpSender implements Sender {
  readonly host: string;

  constructor(private readonly url: string) {
    this.host = new URL(url).host;
  }

  maxBodyBytes(): number {
    return Infinity;
  }

  async send(tenant: string, batch: Batch, timeoutMs: number): Promise<number> {
    const body = Buffer.from(batch.toJson());
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'muninn-agent', ...(tenant ? { 'X-Scope-OrgID': tenant } : {}) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new SendError(`push to ${this.host} failed: ${(err as Error).message}`, 0, { cause: err });
    }
    const text = await res.text().catch(() => '');
    if (res.status < 200 || res.status >= 300) throw new SendError(`push to ${this.host} answered ${res.status}: ${text.trim()}`, res.status);
    return body.length;
  }

  async close(): Promise<void> {}
}
