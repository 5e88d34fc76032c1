// Scatter-gather over ingesters: a querier asks the ingesters holding partitions for the entries
// they hold in memory; each answers in parts to the querier's inbox, naming the partitions its
// answer covers, so the querier can tell which partitions nobody answered for.
import type { NatsConnection } from 'nats';
import type { Shard } from '../model/fingerprint.ts';
import type { Matcher } from '../model/matchers.ts';
import type { Direction } from '../model/batch.ts';
import type { Labels } from '../model/labels.ts';
import { decode, encode } from './codec.ts';
import { subscribeDecoded } from './subscribe.ts';
import { Inbox, replyInParts } from './inbox.ts';
import { decodeIngestBatch, encodeIngestBatch, type IngestStream } from './ingest-batch.ts';
import { subjects } from './subjects.ts';

export interface IngesterQuery {
  tenant: string;
  matchers: Matcher[];
  /** ns, as decimal strings: msgpack has no exact 64-bit path we want to depend on. */
  start: string;
  end: string;
  /** When true, only which streams have entries in range: each comes back with an empty batch. */
  seriesOnly?: boolean;
  /**
   * When set, the asker reads only the first `limit` entries in `direction`, by time, across all
   * streams: the ingester may leave out entries past them (it keeps every tie at the cut).
   */
  limit?: number;
  direction?: Direction;
  /** Only the streams of this shard (a sharded query's piece). */
  shard?: Shard;
}

interface Request extends IngesterQuery {
  reply: string;
}

/** One ingester's answer: its streams, from the partitions it covers (held, caught up, leased). */
export interface IngesterAnswer {
  partitions: number[];
  /** Covered partitions whose reader is far behind the log's head, with the messages it has left (-1: reading fails, lag unknown). */
  behind: Array<[partition: number, lag: number]>;
  streams: IngestStream[];
}

/** What the asked ingesters said together, and which of them said nothing in time. */
export interface IngestersAnswer {
  streams: IngestStream[];
  covered: Set<number>;
  behind: Map<number, number>;
  silent: string[];
}

/** Answers queries from queriers; returns a function that stops answering. */
export function serveIngesterQueries(
  nc: NatsConnection,
  ingesterId: string,
  handle: (q: IngesterQuery) => IngesterAnswer,
): () => void {
  const sub = subscribeDecoded<Request>(
    nc,
    subjects.ingesterQuery,
    (req) => {
      try {
        const answer = handle(req);
        const body = encode({ partitions: answer.partitions, behind: answer.behind, batch: encodeIngestBatch({ tenant: req.tenant, streams: answer.streams }) });
        replyInParts(nc, req.reply, ingesterId, body);
      } catch (e) {
        replyInParts(nc, req.reply, ingesterId, e as Error);
      }
    },
  );
  return () => sub.unsubscribe();
}

/**
 * The in-memory streams of the listed ingesters; one that does not answer in time (or answers
 * with an error) is named in `silent` rather than failing the whole question.
 */
export async function askIngesters(
  nc: NatsConnection,
  ingesterIds: string[],
  q: IngesterQuery,
  timeoutMs: number,
  labelsOf: (text: string) => Labels,
): Promise<IngestersAnswer> {
  const out: IngestersAnswer = { streams: [], covered: new Set(), behind: new Map(), silent: [] };
  if (ingesterIds.length === 0) return out;
  const inbox = new Inbox(nc);
  try {
    nc.publish(subjects.ingesterQuery, encode({ ...q, reply: inbox.subject }));
    const got = await Promise.allSettled(ingesterIds.map((id) => inbox.wait(id, timeoutMs)));
    got.forEach((r, i) => {
      if (r.status === 'rejected') return void out.silent.push(ingesterIds[i]);
      const a = decode<{ partitions: number[]; behind?: Array<[number, number]>; batch: Uint8Array }>(r.value);
      for (const p of a.partitions) out.covered.add(p);
      for (const [p, lag] of a.behind ?? []) out.behind.set(p, lag);
      out.streams.push(...decodeIngestBatch(a.batch, labelsOf).streams);
    });
    return out;
  } finally {
    inbox.close();
  }
}

