// One of the agent's clients: batches entries (sealed at `batchsize` line bytes, or at NATS's
// max_payload, or `batchwait` after the batch began), sends one batch at a time, retries with
// backoff on no answer, 429 and 5xx, and drops a batch on any other status, counting why. Its
// memory is bounded: while MAX_QUEUED sealed batches wait, room() holds the readers back.
import type { Logger } from 'pino';
import { formatLabels, sortLabels } from '../../model/labels.ts';
import { Backoff } from './backoff.ts';
import { Batch } from './batch.ts';
import type { ClientConfig } from './config.ts';
import type { AgentEntry } from './entry.ts';
import type { AgentMetrics } from './metrics.ts';
import { SendError, type Sender } from './sender.ts';

/** Sealed batches (the one being sent included) past which readers wait. */
export const MAX_QUEUED = 2;
/** Of NATS's max_payload, what a batch's estimated encoding may use. */
const PAYLOAD_SHARE = 0.9;

export class Client {
  private filling: Batch | undefined;
  private readonly queue: Batch[] = [];
  private roomWaiters: Array<() => void> = [];
  private wakeSender: (() => void) | undefined;
  private stopped = false;
  private abortWait: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly sending: Promise<void>;
  /** Label text by label map: a target's entries share one map until a stage changes theirs. */
  private streams = new WeakMap<Map<string, string>, { labels: Array<[string, string]>; text: string }>();
  private readonly external: Array<[string, string]>;

  constructor(
    private readonly cfg: ClientConfig,
    private readonly sender: Sender,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    /** Makes the read times of every line read so far durable (positions.ts), before a batch goes. */
    private readonly beforeSend: () => Promise<void> = async () => {},
  ) {
    this.external = Object.entries(cfg.externalLabels);
    this.timer = setInterval(() => this.sealIfOld(), Math.max(10, cfg.batchWaitMs / 4));
    this.sending = this.sendLoop();
    // promtail's dropped counters start at zero for every reason
    for (const reason of ['ingester_error', 'rate_limited']) metrics.droppedEntries.labels(sender.host, cfg.tenantId, reason).inc(0);
  }

  get host(): string {
    return this.sender.host;
  }

  add(e: AgentEntry): void {
    const s = this.streamOf(e.labels);
    const bytes = Buffer.byteLength(e.line);
    const b = this.filling;
    const limit = Math.min(this.cfg.batchSizeBytes, this.sender.maxBodyBytes() * PAYLOAD_SHARE);
    if (b && (b.bytes + bytes > this.cfg.batchSizeBytes || b.wireBytes + bytes + s.text.length > limit)) this.seal();
    (this.filling ??= new Batch()).add(s.labels, s.text, e, bytes);
  }

  /** Resolves when fewer than MAX_QUEUED sealed batches wait (at once when stopped). */
  room(): Promise<void> {
    if (this.queue.length < MAX_QUEUED || this.stopped) return Promise.resolve();
    return new Promise((r) => this.roomWaiters.push(r));
  }

  /** Seals what is filling, and resolves once everything sealed was sent or given up, or after `ms`. */
  async drain(ms: number): Promise<void> {
    this.seal();
    const until = Date.now() + ms;
    while (this.queue.length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** Stops sending: what is unacknowledged stays so (a restart reads it again). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.abortWait?.();
    this.wakeSender?.();
    for (const r of this.roomWaiters.splice(0)) r();
    await this.sending;
    await this.sender.close();
  }

  /** Sorted labels without `__` names and empty values, the external labels under them, and their text. */
  private streamOf(labels: Map<string, string>): { labels: Array<[string, string]>; text: string } {
    let s = this.streams.get(labels);
    if (!s) {
      const merged = new Map(this.external);
      for (const [k, v] of labels) if (!k.startsWith('__') && v !== '') merged.set(k, v);
      const sorted = sortLabels([...merged]) as Array<[string, string]>;
      s = { labels: sorted, text: formatLabels(sorted) };
      this.streams.set(labels, s);
    }
    return s;
  }

  private sealIfOld(): void {
    if (this.filling && Date.now() - this.filling.createdAt >= this.cfg.batchWaitMs) this.seal();
  }

  private seal(): void {
    if (!this.filling) return;
    this.queue.push(this.filling);
    this.filling = undefined;
    this.wakeSender?.();
  }

  private async sendLoop(): Promise<void> {
    while (!this.stopped) {
      const b = this.queue[0];
      if (!b) {
        await new Promise<void>((r) => (this.wakeSender = r));
        continue;
      }
      if (!(await this.sendWithRetries(b))) return;
      this.queue.shift();
      b.release();
      if (this.queue.length < MAX_QUEUED) for (const r of this.roomWaiters.splice(0)) r();
    }
  }

  /** True when the batch is done with (sent, or dropped and counted); false when stopped first. */
  private async sendWithRetries(b: Batch): Promise<boolean> {
    const { host } = this.sender;
    const tenant = this.cfg.tenantId;
    const backoff = new Backoff(this.cfg.backoff);
    for (;;) {
      const began = performance.now();
      try {
        await this.beforeSend();
        const bytes = await this.sender.send(tenant, b, this.cfg.timeoutMs);
        this.metrics.requestDuration.labels('200', host).observe((performance.now() - began) / 1000);
        this.metrics.sentEntries.labels(host).inc(b.entries);
        this.metrics.sentBytes.labels(host).inc(bytes);
        return true;
      } catch (err) {
        const e = err instanceof SendError ? err : new SendError((err as Error).message, 0, { cause: err });
        const status = e.status;
        this.metrics.requestDuration.labels(String(status), host).observe((performance.now() - began) / 1000);
        if (this.stopped) return false;
        if (!e.retriable || !backoff.ongoing()) {
          const reason = status === 429 ? 'rate_limited' : 'ingester_error';
          this.log.error({ host, tenant, status, entries: b.entries, err: e.message }, 'dropping a batch');
          this.metrics.droppedEntries.labels(host, tenant, reason).inc(b.entries);
          this.metrics.droppedBytes.labels(host, tenant, reason).inc(b.bytes);
          return true;
        }
        this.log.warn({ host, tenant, status, err: e.message }, 'error sending a batch; will retry');
        this.metrics.batchRetries.labels(host, tenant).inc();
        await new Promise<void>((r) => {
          const t = setTimeout(r, backoff.next());
          this.abortWait = () => {
            clearTimeout(t);
            r();
          };
        });
        if (this.stopped) return false;
      }
    }
  }
}
