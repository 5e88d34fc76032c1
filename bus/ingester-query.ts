// Scatter-gather over ingesters: a querier asks every live ingester for the entries it holds in
// memory; each answers in parts to the querier's inbox.
import type { NatsConnection } from 'nats';
import type { Matcher } from '../model/matchers.ts';
import type { Direction } from '../model/batch.ts';
import type { Labels } from '../model/labels.ts';
import { decode, encode } from './codec.ts';
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
}

interface Request extends IngesterQuery {
  reply: string;
}

/** Answers queries from queriers; returns a function that stops answering. */
export function serveIngesterQueries(
  nc: NatsConnection,
  ingesterId: string,
  handle: (q: IngesterQuery) => IngestStream[],
): () => void {
  const sub = nc.subscribe(subjects.ingesterQuery, {
    callback: (err, msg) => {
      if (err) return;
      let req: Request;
      try {
        req = decode<Request>(msg.data);
      } catch {
        return;
      }
      try {
        const streams = handle(req);
        replyInParts(nc, req.reply, ingesterId, encodeIngestBatch({ tenant: req.tenant, streams }));
      } catch (e) {
        replyInParts(nc, req.reply, ingesterId, e as Error);
      }
    },
  });
  return () => sub.unsubscribe();
}

/** Every listed ingester's in-memory streams; fails if one does not answer in time. */
export async function askIngesters(
  nc: NatsConnection,
  ingesterIds: string[],
  q: IngesterQuery,
  timeoutMs: number,
  labelsOf: (text: string) => Labels,
): Promise<IngestStream[]> {
  if (ingesterIds.length === 0) return [];
  const inbox = new Inbox(nc);
  try {
    nc.publish(subjects.ingesterQuery, encode({ ...q, reply: inbox.subject }));
    const bodies = await Promise.all(ingesterIds.map((id) => inbox.wait(id, timeoutMs)));
    return bodies.flatMap((b) => decodeIngestBatch(b, labelsOf).streams);
  } finally {
    inbox.close();
  }
}

