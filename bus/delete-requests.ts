// Log deletion requests (Loki's delete API) in the `muninn-delete-requests` bucket, one key per
// request: any gateway adds, lists and cancels them, every querier filters by them through a
// watched copy (no bucket read per query), and the compactor holding its lease processes them.
// A request moves received → processing → processed by compare-and-set, and a cancel is a delete
// at the revision the canceller read: so a cancel and the compactor taking the request up can
// never both succeed.
import { createHash, randomBytes } from 'node:crypto';
import type { JetStreamManager, KV, NatsConnection } from 'nats';
import { bucketKeys } from './bucket-keys.ts';
import { BucketView } from './bucket-view.ts';
import { decode, encode } from './codec.ts';
import { isWrongRevision } from './errors.ts';
import { buckets } from './subjects.ts';
import { whenAnswered } from './when-answered.ts';

/** `processing`: taken up by the compactor (the API shows it as `received`, as Loki does). */
export type DeleteStatus = 'received' | 'processing' | 'processed';

export interface DeleteRequest {
  /** 8 hex digits, as Loki's. */
  id: string;
  tenant: string;
  /** A LogQL log selector, with line filters if any. */
  query: string;
  /** The lines to delete lie in [start, end], epoch ms both included (Loki's model.Time). */
  start: number;
  end: number;
  /** Epoch ms. */
  createdAt: number;
  status: DeleteStatus;
}

/** A request as read, with the revision a compare-and-set needs. */
export interface StoredRequest {
  req: DeleteRequest;
  revision: number;
}

/** KV keys allow few characters and a tenant id may hold `!'()`: its key part is base64url. */
const tenantPart = (tenant: string) => Buffer.from(tenant, 'utf8').toString('base64url');
const keyOf = (tenant: string, id: string) => `${tenantPart(tenant)}.${id}`;
const ID_RE = /^[0-9a-f]{8}$/;

export class DeleteRequests {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nc: NatsConnection, replicas = 1): Promise<DeleteRequests> {
    const kv = await whenAnswered(() => nc.jetstream().views.kv(buckets.deleteRequests, { history: 1, replicas }));
    return new DeleteRequests(kv, await whenAnswered(() => nc.jetstreamManager()));
  }

  /** Stores a new request as `received`; its id. */
  async add(r: Omit<DeleteRequest, 'id' | 'status'>): Promise<DeleteRequest> {
    for (;;) {
      const req: DeleteRequest = { ...r, id: randomBytes(4).toString('hex'), status: 'received' };
      try {
        await this.kv.create(keyOf(req.tenant, req.id), encode({ req }));
        return req;
      } catch (err) {
        if (!isWrongRevision(err)) throw err; // else the id was taken: another one
      }
    }
  }

  /** One of a tenant's requests, or undefined (no such id for this tenant, or cancelled). */
  async get(tenant: string, id: string): Promise<StoredRequest | undefined> {
    if (!ID_RE.test(id)) return undefined;
    const e = await this.kv.get(keyOf(tenant, id));
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
    return { req: decode<{ req: DeleteRequest }>(e.value).req, revision: e.revision };
  }

  /** A tenant's requests as the bucket holds them now (all tenants' without one). */
  async list(tenant?: string): Promise<StoredRequest[]> {
    const out: StoredRequest[] = [];
    for (const key of await bucketKeys(this.jsm, buckets.deleteRequests, tenant === undefined ? '>' : `${tenantPart(tenant)}.*`)) {
      const e = await this.kv.get(key);
      if (e && e.operation === 'PUT' && e.value.length > 0) out.push({ req: decode<{ req: DeleteRequest }>(e.value).req, revision: e.revision });
    }
    return out.sort((a, b) => a.req.createdAt - b.req.createdAt || (a.req.id < b.req.id ? -1 : 1));
  }

  /** Writes a request's new state at the revision read; false when it changed meanwhile (cancelled, or taken up). */
  async update(s: StoredRequest, req: DeleteRequest): Promise<StoredRequest | undefined> {
    try {
      return { req, revision: await this.kv.update(keyOf(req.tenant, req.id), encode({ req }), s.revision) };
    } catch (err) {
      if (isWrongRevision(err)) return undefined;
      throw err;
    }
  }

  /** Removes a request at the revision read; false when it changed meanwhile. */
  async cancel(s: StoredRequest): Promise<boolean> {
    try {
      await this.kv.delete(keyOf(s.req.tenant, s.req.id), { previousSeq: s.revision });
      return true;
    } catch (err) {
      if (isWrongRevision(err)) return false;
      throw err;
    }
  }

  /** A watched copy of every tenant's requests, for queriers and frontends. */
  view(): DeleteRequestsView {
    return new DeleteRequestsView(new BucketView(this.kv, this.jsm, buckets.deleteRequests));
  }
}

/** Every tenant's requests as the watch last saw them, decoded once per change. */
export class DeleteRequestsView {
  private byTenant: Map<string, DeleteRequest[]> | undefined;

  constructor(private readonly view: BucketView) {
    view.onChange(() => (this.byTenant = undefined));
  }

  start(): Promise<void> {
    return this.view.start();
  }

  stop(): void {
    this.view.stop();
  }

  /** Called after every change seen. */
  onChange(fn: () => void): () => void {
    return this.view.onChange(fn);
  }

  /**
   * What a cached answer of the tenant's depends on: changes when a request is added or cancelled
   * (not when one is processed, which changes no answer), as Loki's cache generation number.
   * `filtering`: whether queries filter by the tenant's requests at all (its deletion_mode).
   */
  generation(tenant: string, filtering: boolean): string {
    const reqs = this.of(tenant);
    if (!filtering || !reqs.length) return '';
    const h = createHash('sha256');
    for (const r of reqs) h.update(`${r.id};`);
    return h.digest('base64url').slice(0, 16);
  }

  /** The tenant's requests (received, processing or processed), oldest first; the same array until a change. */
  of(tenant: string): readonly DeleteRequest[] {
    if (!this.byTenant) {
      const m = new Map<string, DeleteRequest[]>();
      for (const e of this.view.current().values()) {
        try {
          const { req } = decode<{ req: DeleteRequest }>(e.value);
          let list = m.get(req.tenant);
          if (!list) m.set(req.tenant, (list = []));
          list.push(req);
        } catch {
          // written by a newer version: not understood here
        }
      }
      for (const list of m.values()) list.sort((a, b) => a.createdAt - b.createdAt);
      this.byTenant = m;
    }
    return this.byTenant.get(tenant) ?? NONE;
  }
}

const NONE: readonly DeleteRequest[] = Object.freeze([]);
