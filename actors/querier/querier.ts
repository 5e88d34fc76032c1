// A querier: pulls sub-queries from the work queue when a worker is free, evaluates them over
// the store and the ingesters, and sends the result to the frontend's inbox.
import type { NatsConnection } from 'nats';
import { encode, replyInParts, type QueryRequest, type Task, type WorkQueue } from '../../bus/index.ts';
import { evaluate, type QueryParams } from '../../logql/eval/index.ts';
import { labelNamesOf, labelsToObject, labelValuesOf } from '../../model/labels.ts';
import { parseExpr, parseMatchers } from '../../logql/parser/index.ts';
import type { Matcher } from '../../model/matchers.ts';
import { statsBlock } from '../../logql/stats.ts';
import { TenantSource, type SourceDeps } from './source.ts';
import { indexStats, volume } from './volume.ts';

export interface QuerierOptions {
  max_concurrent: number;
  max_query_series: number;
  /** Templates may not make a line or label longer than this (limits_config.max_line_size). */
  max_line_size: number;
  /** Names one window of a volume query may hold (limits_config.volume_max_series); 0: no limit. */
  volume_max_series?: number;
}

export class Querier {
  private stopServing: (() => Promise<void>) | undefined;

  constructor(
    private readonly opts: QuerierOptions,
    private readonly deps: SourceDeps & { nc: NatsConnection; queue: WorkQueue },
  ) {}

  start(): void {
    this.stopServing = this.deps.queue.serve(this.opts.max_concurrent, (t) => this.handle(t));
  }

  private async handle(task: Task): Promise<void> {
    const req = task.body.req as QueryRequest;
    let body: Uint8Array | Error;
    try {
      const source = new TenantSource(this.deps, req.tenant, req.kind === 'query_range' ? req.shard : undefined);
      // the delete requests it filtered by, as the source took them up just now (frontend.ts caches by it)
      const deletes = this.deps.deletes?.generation(req.tenant) ?? '';
      const data = await this.run(req, task.deadline, source);
      body = encode({ data, warnings: [...source.warnings], deletes });
    } catch (err) {
      body = err as Error;
    }
    replyInParts(this.deps.nc, task.reply, task.id, body);
  }

  /** Evaluates one (sub-)query over `source`, giving up with a 504 at `deadline` (epoch ms). */
  private async run(req: QueryRequest, deadline: number, source: TenantSource): Promise<unknown> {
    const began = performance.now();
    switch (req.kind) {
      case 'query_range':
      case 'query': {
        const expr = parseExpr(req.query);
        const instant = req.kind === 'query';
        const params: QueryParams = {
          start: BigInt(instant ? req.time : req.start),
          end: BigInt(instant ? req.time : req.end),
          step: instant ? 0 : req.step,
          interval: instant ? undefined : req.interval,
          direction: req.direction,
          limit: req.limit,
          instant,
          maxSeries: this.opts.max_query_series,
          maxLineSize: this.opts.max_line_size,
          deadline,
        };
        const result = await evaluate(expr, params, source);
        return { ...result, stats: statsBlock(source.stats, performance.now() - began) };
      }
      // names and values of the store's series and the ingesters' together
      case 'labels':
        return labelNamesOf(await source.series(this.matchersOf(req.query), BigInt(req.start), BigInt(req.end)));
      case 'label_values':
        return labelValuesOf(await source.series(this.matchersOf(req.query), BigInt(req.start), BigInt(req.end)), req.name);
      case 'series': {
        const seen = new Map<string, Record<string, string>>();
        // no match[] at all means every stream
        const selectors = req.match.length ? req.match.map((m) => parseMatchers(m)) : [[]];
        for (const ms of selectors)
          for (const l of await source.series(ms, BigInt(req.start), BigInt(req.end))) {
            const o = labelsToObject(l);
            seen.set(JSON.stringify(o), o);
          }
        return [...seen.values()];
      }
      // counted from the index and ingester memory, no chunk read (volume.ts)
      case 'index_stats':
        return indexStats(this.deps, req, source.warnings);
      case 'volume':
        return volume(this.deps, req, this.opts.volume_max_series ?? 0, source.warnings);
    }
  }

  /** The optional `query` of the labels endpoints narrows them to matching streams. */
  private matchersOf(query: string | undefined): Matcher[] {
    return query ? parseMatchers(query) : [];
  }

  async stop(): Promise<void> {
    await this.stopServing?.();
  }
}
