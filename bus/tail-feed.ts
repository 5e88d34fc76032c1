// The live feed behind /loki/api/v1/tail: ingesters publish each ingest-log message they accept on
// muninn.tail.<tenant>, but only for tenants someone tails. Tail holders (querier threads) say so:
// each announces the tenants it tails, with how many tails, now and then and at every change; an
// announcement lapses when not renewed, so a holder that dies stops the publishing by itself.
import type { NatsConnection, Subscription } from 'nats';
import { encode } from './codec.ts';
import { subscribeDecoded } from './subscribe.ts';
import { subjects } from './subjects.ts';

/** How often a holder renews its announcement. */
export const INTEREST_EVERY_MS = 2000;
/** An announcement not renewed for this long is forgotten (three renewals missed). */
export const INTEREST_TTL_MS = 3 * INTEREST_EVERY_MS;

interface Announcement {
  holder: string;
  /** Tenant and the holder's tails of it; empty: the holder tails nothing now. */
  tenants: Array<[tenant: string, tails: number]>;
}

/** Says which tenants `holder` tails now (empty: none any more). */
export function announceTails(nc: NatsConnection, holder: string, tails: ReadonlyMap<string, number>): void {
  nc.publish(subjects.tailInterest, encode({ holder, tenants: [...tails] }));
}

interface Held {
  tails: Map<string, number>;
  until: number;
}

/** What the holders have announced, as every ingester and holder watches it. */
export class TailInterest {
  private readonly holders = new Map<string, Held>();
  /** Per tenant, until when some holder's announcement of it lasts: the ingest path asks this for every message. */
  private tenants = new Map<string, number>();
  private sub: Subscription | undefined;

  constructor(private readonly nc: NatsConnection) {}

  start(): void {
    this.sub = subscribeDecoded<Announcement>(
      this.nc,
      subjects.tailInterest,
      (a) => {
        this.heard(a, Date.now());
      },
    );
  }

  private heard(a: Announcement, now: number): void {
    if (a.tenants.length) this.holders.set(a.holder, { tails: new Map(a.tenants), until: now + INTEREST_TTL_MS });
    else this.holders.delete(a.holder);
    // holders are few (querier threads); recomputed per announcement, so `wanted` is one lookup
    const tenants = new Map<string, number>();
    for (const [id, h] of this.holders) {
      if (h.until <= now) {
        this.holders.delete(id);
        continue;
      }
      for (const t of h.tails.keys()) tenants.set(t, Math.max(tenants.get(t) ?? 0, h.until));
    }
    this.tenants = tenants;
  }

  /** Whether some holder tails `tenant` now: the ingest path's whole cost when nobody does. */
  wanted(tenant: string, now = Date.now()): boolean {
    const until = this.tenants.get(tenant);
    return until !== undefined && until > now;
  }

  /** Tails of `tenant` that holders other than `self` announced and that have not lapsed. */
  othersTails(tenant: string, self: string, now = Date.now()): number {
    let n = 0;
    for (const [id, h] of this.holders) if (id !== self && h.until > now) n += h.tails.get(tenant) ?? 0;
    return n;
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}

/** An ingester's publish of one accepted ingest-log message (an ingest batch, as encoded there). */
export function publishTailFeed(nc: NatsConnection, tenant: string, batch: Uint8Array): void {
  nc.publish(subjects.tail(tenant), batch);
}

/** A holder's subscription to one tenant's feed; `onBatch` gets each message's ingest batch. */
export function subscribeTailFeed(nc: NatsConnection, tenant: string, onBatch: (data: Uint8Array) => void): Subscription {
  return nc.subscribe(subjects.tail(tenant), {
    callback: (err, msg) => {
      if (!err) onBatch(msg.data);
    },
  });
}
