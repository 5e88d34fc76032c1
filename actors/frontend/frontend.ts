// The query frontend: splits each query by time, puts the pieces on the work queue, retries
// pieces nobody answered, and merges what the queriers send back.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { decode, Inbox, RemoteError, serveFrontend, type QueryRequest, type WorkQueue } from '../../bus/index.ts';
import { isLogExpr } from '../../logql/ast.ts';
import type { MatrixSeries, StreamResult } from '../../logql/batch.ts';
import { alignedRange } from '../../logql/eval/index.ts';
import { parseExpr } from '../../logql/parser/index.ts';
import type { Metrics } from '../metrics.ts';
import { addStats, mergeMatrix, mergeStreams, type ResultWithStats } from './merge.ts';
import { splitLogRange, splitStepRange } from './split.ts';

export interface FrontendOptions {
  split_queries_by_interval_ms: number;
  max_retries: number;
  subquery_timeout_ms: number;
  /** Sub-queries of one query in flight at once. */
  parallelism: number;
}

const NS_PER_MS = 1_000_000n;

export class Frontend {
  private stopServing: (() => void) | undefined;

  constructor(
    private readonly opts: FrontendOptions,
    private readonly deps: { nc: NatsConnection; queue: WorkQueue; metrics: Metrics },
  ) {}

  start(): void {
    this.stopServing = serveFrontend(this.deps.nc, (req) => this.handle(req));
  }

  stop(): void {
    this.stopServing?.();
  }

  async handle(req: QueryRequest): Promise<unknown> {
    const inbox = new Inbox(this.deps.nc);
    try {
      if (req.kind !== 'query_range') return await this.runTask(inbox, req);
      const expr = parseExpr(req.query); // a bad query fails here, once, with its 400
      const interval = BigInt(this.opts.split_queries_by_interval_ms) * NS_PER_MS;
      const start = BigInt(req.start);
      const end = BigInt(req.end);
      if (isLogExpr(expr)) {
        let ranges = splitLogRange(start, end, interval);
        if (req.direction === 'backward') ranges = ranges.reverse();
        const parts = await this.runLogPieces(inbox, req, ranges);
        const streams = mergeStreams(parts.map((p) => p.result as StreamResult[]), req.direction, req.limit);
        return { resultType: 'streams', result: streams, stats: totalStats(parts, streams) };
      }
      const step = BigInt(req.step);
      const grid = alignedRange(start, end, req.step);
      const ranges = splitStepRange(grid.start, grid.end, step, interval);
      const parts = await this.runAll(inbox, ranges.map((r) => ({ ...req, start: String(r.start), end: String(r.end) })));
      return { resultType: 'matrix', result: mergeMatrix(parts.map((p) => p.result as MatrixSeries[])), stats: totalStats(parts) };
    } finally {
      inbox.close();
    }
  }

  /** In direction order, a few at a time, stopping once earlier pieces already fill the limit. */
  private async runLogPieces(inbox: Inbox, req: Extract<QueryRequest, { kind: 'query_range' }>, ranges: Array<{ start: bigint; end: bigint }>) {
    const done: ResultWithStats[] = [];
    let entries = 0;
    for (let i = 0; i < ranges.length && entries < req.limit; i += this.opts.parallelism) {
      const wave = ranges.slice(i, i + this.opts.parallelism).map((r) => ({ ...req, start: String(r.start), end: String(r.end) }));
      for (const part of await this.runAll(inbox, wave)) {
        done.push(part);
        for (const s of part.result as StreamResult[]) entries += s.values.length;
      }
    }
    return done;
  }

  private runAll(inbox: Inbox, reqs: QueryRequest[]): Promise<ResultWithStats[]> {
    return Promise.all(reqs.map((r) => this.runTask(inbox, r) as Promise<ResultWithStats>));
  }

  /** One piece on the work queue; a piece nobody answers in time is put there again. */
  private async runTask(inbox: Inbox, req: QueryRequest): Promise<unknown> {
    let lastErr: unknown;
    for (let attempt = 0; attempt <= this.opts.max_retries; attempt++) {
      const id = randomUUID();
      const answer = inbox.wait(id, this.opts.subquery_timeout_ms);
      try {
        await this.deps.queue.put({ id, reply: inbox.subject, deadline: Date.now() + this.opts.subquery_timeout_ms, body: { req } });
        const body = await answer;
        this.deps.metrics.subqueries.inc({ outcome: 'ok' });
        return decode<{ data: unknown }>(body).data;
      } catch (err) {
        answer.catch(() => undefined);
        inbox.forget(id);
        // a querier's own answer (bad query, corrupt chunk) is final; silence is retried
        if (err instanceof RemoteError) {
          this.deps.metrics.subqueries.inc({ outcome: 'error' });
          throw err;
        }
        this.deps.metrics.subqueries.inc({ outcome: 'retried' });
        lastErr = err;
      }
    }
    throw lastErr;
  }
}


function totalStats(parts: ResultWithStats[], streams?: StreamResult[]): unknown {
  const stats = parts.reduce<unknown>((acc, p) => addStats(acc, p.stats ?? {}), {}) as { summary?: Record<string, number> };
  if (stats.summary) {
    stats.summary.subqueries = parts.length;
    if (streams) stats.summary.totalEntriesReturned = streams.reduce((n, s) => n + s.values.length, 0);
  }
  return stats;
}
