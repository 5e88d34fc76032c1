// A querier thread's live tails (/loki/api/v1/tail): it takes tails gateways open (bus/tail.ts),
// subscribes to each tailed tenant's feed once, announces the tenants it tails so ingesters
// publish them (bus/tail-feed.ts), runs every tail's selector and pipeline over each message of the
// feed, and first sends each tail the newest `limit` entries from its start, read as a query reads.
// max_concurrent_tail_requests counts a tenant's tails across all holders, as Loki counts them
// across its ingesters.
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import {
  TailInterest,
  announceTails,
  decodeIngestBatch,
  serveTails,
  subscribeTailFeed,
  INTEREST_EVERY_MS,
  type IngestStream,
  type TailRequest,
  type TailSink,
} from '../../bus/index.ts';
import { isLogExpr, type LogExpr } from '../../logql/ast.ts';
import { QueryError, evaluate } from '../../logql/eval/index.ts';
import { parseExpr } from '../../logql/parser/index.ts';
import { compilePipeline, type Pipeline } from '../../logql/pipeline/index.ts';
import { labelsToObject, parseLabels, type Labels } from '../../model/labels.ts';
import { compileMatchers } from '../../model/matchers.ts';
import { remembered } from '../../model/remember.ts';
import { Scratch } from '../../model/scratch.ts';
import { msToNs } from '../../model/time.ts';
import type { StreamResult } from '../../logql/results.ts';
import { TailSession, type TailEntry } from './tail-session.ts';
import { TenantSource, type SourceDeps } from './source.ts';

export interface TailsOptions {
  /** This holder's id in announcements: unique per thread. */
  holder: string;
  max_concurrent_tail_requests: number;
  max_line_size: number;
  query_timeout_ms: number;
  tail_max_duration_ms: number;
}

export interface TailsDeps {
  /** Opens, control, announcements and the history's questions. */
  nc: NatsConnection;
  /** The feeds, on a connection of their own: a flood of them cannot make the server cut off the queries' connection as a slow consumer. */
  feedNc: NatsConnection;
  source: SourceDeps;
  log: Logger;
  /** Told the number of tails held whenever it changes (loki_querier_tail_active). */
  onActive?: (active: number) => void;
}

/** How often held tails send what has waited long enough. */
const RELEASE_MS = 100;

/** One tail: its selector and pipeline over the feed, its buffer, its end. */
interface Tail {
  tenant: string;
  matches: (labels: Labels) => boolean;
  pipeline: Pipeline;
  session: TailSession;
  /** Final label sets' JSON text, by the label set the pipeline hands over (a stream's own, mostly). */
  labelsJson: WeakMap<Labels, string>;
  timer: NodeJS.Timeout;
}

/** One tenant's feed, read once for all of its tails here. */
interface Feed {
  sub: Subscription;
  tails: Set<Tail>;
}

export class Tails {
  private readonly feeds = new Map<string, Feed>();
  private readonly interest: TailInterest;
  private readonly labelsOf = remembered(parseLabels, 10_000);
  /** Feed messages' lines are decoded here: every tail copies what it keeps before the next. */
  private readonly lines = new Scratch();
  private stopServing: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private held = 0;

  constructor(
    private readonly opts: TailsOptions,
    private readonly deps: TailsDeps,
  ) {
    this.interest = new TailInterest(deps.nc);
  }

  start(): void {
    this.interest.start();
    this.stopServing = serveTails(this.deps.nc, (req, sink) => this.open(req, sink));
    this.timers.push(
      setInterval(() => this.announce(), INTEREST_EVERY_MS),
      setInterval(() => {
        const now = Date.now();
        for (const f of this.feeds.values()) for (const t of f.tails) t.session.release(now);
      }, RELEASE_MS),
    );
  }

  /** Tails held per tenant, as announced. */
  private counts(): Map<string, number> {
    return new Map([...this.feeds].map(([tenant, f]) => [tenant, f.tails.size]));
  }

  private announce(): void {
    if (this.feeds.size) announceTails(this.deps.nc, this.opts.holder, this.counts());
  }

  private async open(req: TailRequest, sink: TailSink): Promise<() => void> {
    const expr = parseExpr(req.query);
    // Loki's ParseLogSelector: a metric query has no lines to tail
    if (!isLogExpr(expr)) throw new QueryError('only log selector is supported');
    const held = this.feeds.get(req.tenant)?.tails.size ?? 0;
    const count = held + this.interest.othersTails(req.tenant, this.opts.holder);
    const max = this.opts.max_concurrent_tail_requests;
    // Loki 2.8's text, with the gRPC wrapping its querier's error reaches the socket in
    if (count >= max) throw new QueryError(`rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (${count + 1} > ${max})`);

    const tail: Tail = {
      tenant: req.tenant,
      matches: compileMatchers(expr.matchers),
      pipeline: compilePipeline(expr.pipeline, undefined, { maxLineSize: this.opts.max_line_size }),
      session: new TailSession(BigInt(req.delayFor) * 1_000_000_000n, sink),
      labelsJson: new WeakMap(),
      timer: setTimeout(() => sink.end('reached tail max duration limit'), this.opts.tail_max_duration_ms),
    };
    let feed = this.feeds.get(req.tenant);
    if (!feed) {
      const f: Feed = { tails: new Set(), sub: subscribeTailFeed(this.deps.feedNc, req.tenant, (data) => this.onFeed(f, data)) };
      this.feeds.set(req.tenant, (feed = f));
    }
    feed.tails.add(tail);
    // at once, so other holders count this tail in the tenant's limit
    this.announce();
    this.changed();
    try {
      // the history asks the ingesters only once the feed's subscription is in place and they
      // have heard of it (on this connection, in order): what they read from then on is published
      await this.deps.feedNc.flush();
      await this.deps.nc.flush();
    } catch (err) {
      this.remove(tail);
      throw err;
    }
    void this.history(tail, expr, req).catch((err: Error) => {
      this.deps.log.warn({ err, tenant: req.tenant }, 'a tail could not read its history');
      sink.end(err.message);
    });
    return () => this.remove(tail);
  }

  /** The newest `limit` entries from the tail's start to now, as a backward log query reads them; sent first. */
  private async history(tail: Tail, expr: LogExpr, req: TailRequest): Promise<void> {
    const now = Date.now();
    const source = new TenantSource(this.deps.source, req.tenant);
    const { result } = await evaluate(
      expr,
      { start: BigInt(req.start), end: msToNs(now), step: 0, direction: 'backward', limit: req.limit, instant: false, maxLineSize: this.opts.max_line_size, deadline: now + this.opts.query_timeout_ms },
      source,
    );
    const entries: TailEntry[] = [];
    for (const s of result as StreamResult[]) {
      const labels = JSON.stringify(s.stream);
      for (const [ts, line] of s.values) entries.push({ ts: BigInt(ts), labels, line });
    }
    entries.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    tail.session.history(entries);
    tail.session.release();
  }

  /** One message of a tenant's feed: decoded once, then through every tail's selector and pipeline. */
  private onFeed(feed: Feed, data: Uint8Array): void {
    let streams: IngestStream[];
    try {
      streams = decodeIngestBatch(data, this.labelsOf, this.lines).streams;
    } catch (err) {
      this.deps.log.warn({ err }, 'undecodable tail feed message skipped');
      return;
    }
    for (const tail of feed.tails) for (const s of streams) if (tail.matches(s.batch.labels)) this.take(tail, s);
  }

  private take(tail: Tail, s: IngestStream): void {
    const { session } = tail;
    const b = s.batch;
    if (session.full) {
      // no room: the pipeline is not worth running, the entries are named as dropped
      const labels = this.jsonOf(tail, b.labels);
      for (let i = 0; i < b.ts.length; i++) session.drop(labels, b.ts[i]);
      return;
    }
    tail.pipeline.run(b, (i, line, labels) => session.offer({ ts: b.ts[i], labels: this.jsonOf(tail, labels), line: line.toString('utf8') }));
  }

  private jsonOf(tail: Tail, labels: Labels): string {
    let text = tail.labelsJson.get(labels);
    if (text === undefined) tail.labelsJson.set(labels, (text = JSON.stringify(labelsToObject(labels))));
    return text;
  }

  private remove(tail: Tail): void {
    clearTimeout(tail.timer);
    const feed = this.feeds.get(tail.tenant);
    if (!feed?.tails.delete(tail)) return;
    if (!feed.tails.size) {
      feed.sub.unsubscribe();
      this.feeds.delete(tail.tenant);
    }
    // at once, not at the next renewal: ingesters stop publishing a tenant nobody tails any more
    announceTails(this.deps.nc, this.opts.holder, this.counts());
    this.changed();
  }

  private changed(): void {
    let n = 0;
    for (const f of this.feeds.values()) n += f.tails.size;
    if (n !== this.held) this.deps.onActive?.((this.held = n));
  }

  /** Ends every tail (their gateways move them to another holder) and stops taking new ones. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.stopServing?.();
    this.interest.stop();
  }
}
