// Per-tenant ingestion rate, as Loki's: a token bucket of bytes per second with a burst; a push
// over it is refused whole. The caller gives the rate this distributor allows: all of
// ingestion_rate_mb (local strategy) or its share of it (global).

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** True when `bytes` fit the tenant's bucket now; the bytes are taken only then. A rate of 0 or less allows everything. */
  allow(tenant: string, bytes: number, rate: number, burst: number, now = Date.now()): boolean {
    if (rate <= 0) return true;
    const cap = Math.max(burst, rate);
    const b = this.buckets.get(tenant) ?? { tokens: cap, at: now };
    b.tokens = Math.min(cap, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(tenant, b);
    if (bytes > b.tokens) return false;
    b.tokens -= bytes;
    return true;
  }
}
