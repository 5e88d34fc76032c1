// The query frontend: splits each query by time (and, where the query allows, by stream shard),
// puts the pieces on the work queue, retries pieces nobody answered, and merges what the
// queriers send back.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { BusError, decode, Inbox, RemoteError, serveFrontend, type FrontendAnswer, type QueryRequest, type WorkQueue } from '../../bus/index.ts';
import { isLogExpr } from '../../logql/ast.ts';
import { shardMerge } from '../../logql/shard.ts';
import type { MatrixSeries, StreamResult } from '../../logql/results.ts';
import { QueryError, QueryTimeoutError, alignedRange } from '../../logql/eval/index.ts';
import { formatGoDuration } from '../../logql/go-convert.ts';
import { parseExpr } from '../../logql/parser/index.ts';
import { msToNs } from '../../model/time.ts';
import type { Metrics } from '../metrics.ts';
import { addStats, mergeMatrix, mergeStreams, type ResultWithStats } from './merge.ts';
import { splitLogRange, splitStepRange } from './split.ts';
import { volumeAnswer, volumePieces } from './volume.ts';

export interface FrontendOptions {
  split_queries_by_interval_ms: number;
  /** Stream shards per time piece of a query that can be sharded (1: no sharding). */
  shards: number;
  max_retries: number;
  /** Sub-queries of one tenant on the queue and not answered yet; 0: no limit. */
  max_outstanding_per_tenant: number;
  subquery_timeout_ms: number;
  /** Sub-queries of one query in flight at once (limits_config.max_query_parallelism). */
  max_query_parallelism: number;
  /** The longest time range a query may cover (limits_config.max_query_length); 0: no limit. */
  max_query_length_ms: number;
}

/** One query in flight: its tenant, where its pieces answer, when it must end, what they warned of. */
interface Running {
  tenant: string;
  /** Refused already (max_outstanding_per_tenant): counted once. */
  refused?: boolean;
  /** Answered or failed: its pieces still out are not waited for, nor tried again. */
  over?: boolean;
  inbox: Inbox;
  deadline: number;
  warnings: Set<string>;
}

/** Loki's answer to a tenant past max_outstanding_per_tenant. */
export class TooManyOutstandingError extends QueryError {
  override name = 'TooManyOutstandingError';
  constructor() {
    super('too many outstanding requests', 429);
  }
}

export class Frontend {
  private stopServing: (() => void) | undefined;
  /** Per tenant, sub-queries put on the queue and not answered yet (one tenant cannot fill the queue). */
  private readonly outstanding = new Map<string, number>();

  constructor(
    private readonly opts: FrontendOptions,
    private readonly deps: { nc: NatsConnection; queue: WorkQueue; metrics: Metrics },
  ) {}

  start(): void {
    this.stopServing = serveFrontend(this.deps.nc, (req, deadline, signal) => this.handle(req, deadline, signal));
  }

  stop(): void {
    this.stopServing?.();
  }

  /**
   * Answers a query by `deadline` (epoch ms), or fails with a 504 then; with what the pieces warned
   * of. Once `signal` aborts (its client went away) no piece is put on the queue any more.
   */
  async handle(req: QueryRequest, deadline: number, signal?: AbortSignal): Promise<FrontendAnswer> {
    const q: Running = { tenant: req.tenant, inbox: new Inbox(this.deps.nc), deadline, warnings: new Set() };
    const end = () => {
      q.over = true;
      q.inbox.close();
    };
    signal?.addEventListener('abort', end, { once: true });
    try {
      return { data: await this.answer(q, req), warnings: [...q.warnings] };
    } finally {
      signal?.removeEventListener('abort', end);
      end();
    }
  }

  private async answer(q: Running, req: QueryRequest): Promise<unknown> {
    // max_query_length as Loki applies it to index queries: to each volume bucket, so an instant volume's whole range
    if (req.kind === 'index_stats' || (req.kind === 'volume' && req.step <= 0)) this.checkLength(BigInt(req.start), BigInt(req.end));
    if (req.kind === 'volume') return volumeAnswer(req, await this.runAll(q, volumePieces(req)));
    if (req.kind !== 'query_range') return await this.runTask(q, req);
    const expr = parseExpr(req.query); // a bad query fails here, once, with its 400
    const start = BigInt(req.start);
    const end = BigInt(req.end);
    this.checkLength(start, end);
    const interval = msToNs(this.opts.split_queries_by_interval_ms);
    const shards = shardMerge(expr) ? this.opts.shards : 1;
    if (isLogExpr(expr)) {
      let ranges = splitLogRange(start, end, interval);
      if (req.direction === 'backward') ranges = ranges.reverse();
      // half the shards: each shard reads until it holds the limit, so every shard more reads more
      // (`|~ "status=5.."` limit 100 over 10M lines: 4 shards 0.06 s, 8 shards 0.10 s)
      const parts = await this.runLogPieces(q, req, ranges, Math.ceil(shards / 2));
      const streams = mergeStreams(parts.map((p) => p.result as StreamResult[]), req.direction, req.limit);
      return { resultType: 'streams', result: streams, stats: totalStats(parts, streams) };
    }
    const step = BigInt(req.step);
    const grid = alignedRange(start, end, req.step);
    const ranges = splitStepRange(grid.start, grid.end, step, interval);
    const parts = await this.runAll(q, ranges.flatMap((r) => sharded({ ...req, start: String(r.start), end: String(r.end) }, shards)));
    return { resultType: 'matrix', result: mergeMatrix(parts.map((p) => p.result as MatrixSeries[])), stats: totalStats(parts) };
  }

  /** Loki's max_query_length, with its text: a 400 before any work. */
  private checkLength(start: bigint, end: bigint): void {
    const max = this.opts.max_query_length_ms;
    const length = Number(end - start);
    if (max > 0 && length > max * 1e6) throw new QueryError(`the query time range exceeds the limit (query length: ${formatGoDuration(length)}, limit: ${formatGoDuration(max * 1e6)})`);
  }

  /**
   * In direction order, a wave of whole time pieces (all their shards) at a time, stopping once
   * earlier pieces already fill the limit.
   */
  private async runLogPieces(q: Running, req: RangeRequest, ranges: Array<{ start: bigint; end: bigint }>, shards: number) {
    const done: ResultWithStats[] = [];
    let entries = 0;
    const wave = Math.max(1, Math.floor(this.opts.max_query_parallelism / shards));
    for (let i = 0; i < ranges.length && entries < req.limit; i += wave) {
      const pieces = ranges.slice(i, i + wave).flatMap((r) => sharded({ ...req, start: String(r.start), end: String(r.end) }, shards));
      for (const part of await this.runAll(q, pieces)) {
        done.push(part);
        for (const s of part.result as StreamResult[]) entries += s.values.length;
      }
    }
    return done;
  }

  /** Every piece, at most max_query_parallelism on the queue at once; answers in the pieces' order. */
  private async runAll(q: Running, reqs: QueryRequest[]): Promise<ResultWithStats[]> {
    const out: ResultWithStats[] = new Array(reqs.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < reqs.length && !failed) {
        const at = next++;
        try {
          out[at] = (await this.runTask(q, reqs[at])) as ResultWithStats;
        } catch (err) {
          failed = true; // the others stop taking pieces: the query has failed
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.max_query_parallelism, reqs.length) }, worker));
    return out;
  }

  /** One more sub-query of the query's tenant outstanding, or the whole query refused with 429 as Loki refuses it. */
  private take(q: Running): void {
    const n = this.outstanding.get(q.tenant) ?? 0;
    const max = this.opts.max_outstanding_per_tenant;
    if (max > 0 && n >= max) {
      if (!q.refused) this.deps.metrics.discardedRequests.inc({ tenant: q.tenant });
      q.refused = true;
      throw new TooManyOutstandingError();
    }
    this.outstanding.set(q.tenant, n + 1);
  }

  private give(tenant: string): void {
    const n = (this.outstanding.get(tenant) ?? 1) - 1;
    if (n > 0) this.outstanding.set(tenant, n);
    else this.outstanding.delete(tenant);
  }

  /**
   * One piece on the work queue; a piece nobody answers within subquery_timeout is put there
   * again (max_retries), until the query's deadline, when the whole query answers 504.
   */
  private async runTask(q: Running, req: QueryRequest): Promise<unknown> {
    for (let attempt = 0; attempt <= this.opts.max_retries; attempt++) {
      const wait = Math.min(this.opts.subquery_timeout_ms, q.deadline - Date.now());
      if (q.over) throw new BusError('the query has ended: its piece is not tried again');
      if (wait <= 0) break;
      this.take(q);
      const id = randomUUID();
      const answer = q.inbox.wait(id, wait);
      // it may fail while the put is still pending (the query ended, its inbox closed): not unhandled
      answer.catch(() => undefined);
      try {
        await this.deps.queue.put({ id, reply: q.inbox.subject, deadline: Date.now() + wait, body: { req } });
        const got = decode<{ data: unknown; warnings?: string[] }>(await answer);
        this.deps.metrics.subqueries.inc({ outcome: 'ok' });
        for (const w of got.warnings ?? []) q.warnings.add(w);
        return got.data;
      } catch (err) {
        q.inbox.forget(id);
        // a querier's own answer (bad query, corrupt chunk, its deadline) is final; silence is
        // retried, unless the query has failed meanwhile (its inbox closed, nobody waits)
        if (q.over) throw err;
        if (err instanceof RemoteError) {
          this.deps.metrics.subqueries.inc({ outcome: err.status === 504 ? 'timeout' : 'error' });
          throw err;
        }
        this.deps.metrics.subqueries.inc({ outcome: 'retried' });
      } finally {
        this.give(q.tenant);
      }
    }
    this.deps.metrics.subqueries.inc({ outcome: 'timeout' });
    throw new QueryTimeoutError();
  }
}

type RangeRequest = Extract<QueryRequest, { kind: 'query_range' }>;

/** One piece per shard of the tenant's streams, or the piece itself. */
const sharded = (req: RangeRequest, shards: number): RangeRequest[] =>
  shards > 1 ? Array.from({ length: shards }, (_, index) => ({ ...req, shard: { index, of: shards } })) : [req];

function totalStats(parts: ResultWithStats[], streams?: StreamResult[]): unknown {
  const stats = parts.reduce<unknown>((acc, p) => addStats(acc, p.stats ?? {}), {}) as { summary?: Record<string, number> };
  if (stats.summary) {
    stats.summary.subqueries = parts.length;
    if (streams) stats.summary.totalEntriesReturned = streams.reduce((n, s) => n + s.values.length, 0);
  }
  return stats;
}
