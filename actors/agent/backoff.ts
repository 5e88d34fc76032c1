// Waits between retries of a batch, as promtail's backoff_config: each wait is drawn from
// [d, 2d), d starting at min_period and doubling up to max_period; after max_retries waits (0:
// never) the batch is given up.
import type { BackoffConfig } from './config.ts';

export class Backoff {
  private retries = 0;
  private low: number;
  private high: number;

  constructor(private readonly cfg: BackoffConfig) {
    this.low = cfg.minMs;
    this.high = Math.min(cfg.minMs * 2, cfg.maxMs);
  }

  /** Whether another try is allowed. */
  ongoing(): boolean {
    return this.cfg.maxRetries === 0 || this.retries < this.cfg.maxRetries;
  }

  /** The next wait, in ms. */
  next(): number {
    this.retries++;
    if (this.low >= this.high) return this.low;
    const wait = this.low + Math.random() * (this.high - this.low);
    if (this.high < this.cfg.maxMs) {
      this.low = Math.min(this.low * 2, this.cfg.maxMs);
      this.high = Math.min(this.high * 2, this.cfg.maxMs);
    }
    return wait;
  }
}
