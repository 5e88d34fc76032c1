// The query frontend: splits each query by time (and, where the query allows, by stream shard),
// puts the pieces on the work queue, retries pieces nobody answered, and merges what the
// queriers send back.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { NatsConnection } from 'nats';
import { BusError, decode, Inbox, RemoteError, serveFrontend, type FrontendAnswer, type QueryRequest, type WorkQueue } from '../../bus/index.ts';
import { isLogExpr } from '../../logql/ast.ts';
import { shardMerge } from '../../logql/shard.ts';
import type { MatrixSeries, StreamResult } from '../../logql/results.ts';
import { QueryError, QueryTimeoutError, alignedRange } from '../../logql/eval/index.ts';
import { formatGoDuration } from '../../logql/go-convert.ts';
import { parseExpr } from '../../logql/parser/index.ts';
import { emptyStats, type LokiStats } from '../../logql/stats.ts';
import { msToNs } from '../../model/time.ts';
import type { Metrics } from '../metrics.ts';
import { addStats, mergeMatrix, mergeStreams, type ResultWithStats } from './merge.ts';
import { newCacheStats, type CacheStats, type FrontendCache } from './results-cache.ts';
import { splitLogRange, splitStepRange } from './split.ts';
import { TenantQueues } from './tenant-queues.ts';
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
  /** Sub-queries of this frontend on the work queue at once, all tenants together (asked as they go). */
  max_in_flight: () => number;
}

/** One query in flight: its tenant, where its pieces answer, when it must end, what they warned of. */
interface Running {
  tenant: string;
  /** Refused already (max_outstanding_per_tenant): counted once. */
  refused?: boolean;
  /** Answered or failed: its pieces still out are not waited for, nor tried again. */
  over?: boolean;
  /** Aborts when it is over: its pieces still waiting for a place on the work queue give up. */
  ended: AbortController;
  inbox: Inbox;
  deadline: number;
  warnings: Set<string>;
  /** What the results cache did for it, and its stores still under way (awaited before the stats are told). */
  cache: CacheStats;
  stores: Array<Promise<void>>;
  /** performance.now() when it began: the summary's execTime is the query's, not its pieces' added up. */
  began: number;
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
  private readonly queues: TenantQueues;

  constructor(
    private readonly opts: FrontendOptions,
    private readonly deps: { nc: NatsConnection; queue: WorkQueue; metrics: Metrics; cache: FrontendCache },
  ) {
    this.queues = new TenantQueues(opts.max_in_flight);
  }

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
    const q: Running = { tenant: req.tenant, inbox: new Inbox(this.deps.nc), ended: new AbortController(), deadline, warnings: new Set(), cache: newCacheStats(), stores: [], began: performance.now() };
    const end = () => {
      q.over = true;
      q.inbox.close();
      q.ended.abort(new BusError('the query has ended: its piece is not placed'));
    };
    // each of its pieces waiting for a place listens for its end
    setMaxListeners(0, q.ended.signal);
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
    if (req.kind !== 'query_range') return await this.piece(q, req);
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
      await Promise.all(q.stores);
      return { resultType: 'streams', result: streams, stats: totalStats(q, parts, { splits: ranges.length, shards: Math.ceil(shards / 2) }, streams) };
    }
    const step = BigInt(req.step);
    const grid = alignedRange(start, end, req.step);
    const ranges = splitStepRange(grid.start, grid.end, step, interval);
    const parts = await this.runAll(q, ranges.flatMap((r) => sharded({ ...req, start: String(r.start), end: String(r.end) }, shards)));
    await Promise.all(q.stores);
    return { resultType: 'matrix', result: mergeMatrix(parts.map((p) => p.result as MatrixSeries[])), stats: totalStats(q, parts, { splits: ranges.length, shards }) };
  }

  /** Loki's max_query_length, with its text: a 400 before any work. */
  private checkLength(start: bigint, end: bigint): void {
    const max = this.opts.max_query_length_ms;
    const length = Number(end - start);
    if (max > 0 && length > max * 1e6) throw new QueryError(`the query time range exceeds the limit (query length: ${formatGoDuration(length)}, limit: ${formatGoDuration(max * 1e6)})`);
  }

  /**
   * In direction order, a wave of whole time pieces (all their shards) at a time, stopping once
   * earlier pieces already fill the limit. The first wave is the newest (or oldest) piece alone and
   * each next one twice as wide: a query its first piece answers (a needle in the newest lines)
   * reads nothing older, and one that must go far back soon runs max_query_parallelism at once.
   */
  private async runLogPieces(q: Running, req: RangeRequest, ranges: Array<{ start: bigint; end: bigint }>, shards: number) {
    const done: ResultWithStats[] = [];
    let entries = 0;
    const widest = Math.max(1, Math.floor(this.opts.max_query_parallelism / shards));
    for (let i = 0, wave = 1; i < ranges.length && entries < req.limit; i += wave, wave = Math.min(widest, wave * 2)) {
      const pieces = ranges.slice(i, i + wave).flatMap((r) => sharded({ ...req, start: String(r.start), end: String(r.end) }, shards));
      for (const part of await this.runAll(q, pieces, true)) {
        done.push(part);
        for (const s of part.result as StreamResult[]) entries += s.values.length;
      }
    }
    return done;
  }

  /** Every piece, at most max_query_parallelism on the queue at once; answers in the pieces' order. */
  private async runAll(q: Running, reqs: QueryRequest[], log = false): Promise<ResultWithStats[]> {
    const out: ResultWithStats[] = new Array(reqs.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < reqs.length && !failed) {
        const at = next++;
        try {
          out[at] = (await this.piece(q, reqs[at], log)) as ResultWithStats;
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
   * One piece's answer: from the results cache when it holds it, else from a querier (and then
   * kept in the cache when it may be). `log`: a piece of a log query.
   */
  private async piece(q: Running, req: QueryRequest, log = false): Promise<unknown> {
    const cacheable = this.deps.cache.cacheable(req, log);
    if (cacheable) {
      const hit = await this.deps.cache.lookup(cacheable.key, q.cache);
      if (hit) return hit.data;
    }
    const { data, warnings = [], deletes = '' } = await this.runTask(q, req);
    for (const w of warnings) q.warnings.add(w);
    // a querier whose watch of the delete requests is behind or ahead of this frontend's answered for other requests than the key names
    if (cacheable && warnings.length === 0 && deletes === cacheable.deletes && cacheable.keep(data)) q.stores.push(this.deps.cache.store(cacheable.key, data, q.cache));
    return data;
  }

  /**
   * One piece on the work queue, once its tenant's turn gives it a place there; a piece nobody
   * answers within subquery_timeout is put there again (max_retries), until the query's
   * deadline, when the whole query answers 504.
   */
  private async runTask(q: Running, req: QueryRequest): Promise<{ data: unknown; warnings?: string[]; deletes?: string }> {
    for (let attempt = 0; attempt <= this.opts.max_retries; attempt++) {
      if (q.over) throw new BusError('the query has ended: its piece is not tried again');
      if (q.deadline <= Date.now()) break;
      this.take(q);
      const id = randomUUID();
      let release: (() => void) | undefined;
      try {
        release = await this.queues.slot(q.tenant, q.deadline, q.ended.signal);
        const wait = Math.min(this.opts.subquery_timeout_ms, q.deadline - Date.now());
        if (!release || wait <= 0) break;
        const answer = q.inbox.wait(id, wait);
        // it may fail while the put is still pending (the query ended, its inbox closed): not unhandled
        answer.catch(() => undefined);
        await this.deps.queue.put({ id, reply: q.inbox.subject, deadline: Date.now() + wait, body: { req } });
        const got = decode<{ data: unknown; warnings?: string[]; deletes?: string }>(await answer);
        this.deps.metrics.subqueries.inc({ outcome: 'ok' });
        return got;
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
        release?.();
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

/**
 * Loki's stats object for the whole query: its pieces' counts added up, the summary's rates over
 * the query's own time, splits (time pieces) and shards (sub-queries of sharded pieces), and what
 * the results cache did.
 */
function totalStats(q: Running, parts: ResultWithStats[], cut: { splits: number; shards: number }, streams?: StreamResult[]): LokiStats {
  const ran = parts.filter((p) => p.stats);
  const stats = ran.reduce((acc, p) => addStats(acc, p.stats) as LokiStats, emptyStats());
  const s = stats.summary;
  s.execTime = (performance.now() - q.began) / 1000;
  s.bytesProcessedPerSecond = s.execTime > 0 ? Math.round(s.totalBytesProcessed / s.execTime) : 0;
  s.linesProcessedPerSecond = s.execTime > 0 ? Math.round(s.totalLinesProcessed / s.execTime) : 0;
  s.subqueries = ran.length;
  s.splits = cut.splits;
  s.shards = cut.shards > 1 ? parts.length : 0;
  if (streams) s.totalEntriesReturned = streams.reduce((n, st) => n + st.values.length, 0);
  stats.cache.result = { ...q.cache };
  return stats;
}
