// Per-tenant ingestion rate, as Loki's local strategy: a token bucket of bytes per second
// (ingestion_rate_mb) with a burst (ingestion_burst_size_mb); a push over it is refused whole.

const MB = 1024 * 1024;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** True when `bytes` fit the tenant's bucket now; the bytes are taken only then. */
  allow(tenant: string, bytes: number, rateMb: number, burstMb: number, now = Date.now()): boolean {
    if (rateMb <= 0) return true;
    const rate = rateMb * MB;
    const burst = Math.max(burstMb * MB, rate);
    const b = this.buckets.get(tenant) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(tenant, b);
    if (bytes > b.tokens) return false;
    b.tokens -= bytes;
    return true;
  }
}
