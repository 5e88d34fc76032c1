// Scatter-gather over ingesters for counts instead of entries (index stats, log volume): a querier
// asks every ingester holding partitions what its memory holds of a selector's streams, counted
// per time window without decompressing; each answers part by part of each stream (a chunk cut
// and still held, named by the highest ingest-log sequence it holds, as the index names it; or the
// head, which no index row holds yet), so the querier can leave out a chunk the index counts too.
// A subject of its own: an ingester that does not know the question stays silent (and its
// partitions are warned of) rather than answering with entries.
import type { NatsConnection } from 'nats';
import type { Matcher } from '../model/matchers.ts';
import { decode, encode } from './codec.ts';
import { subscribeDecoded } from './subscribe.ts';
import { Inbox, replyInParts } from './inbox.ts';
import { subjects } from './subjects.ts';

export interface IngesterVolumeQuery {
  tenant: string;
  matchers: Matcher[];
  /** ns as decimal strings; the windows are model/windows.ts's of [start, end) and step (0: one). */
  start: string;
  end: string;
  step: string;
}

/** What memory holds of one part of a stream, in the query's windows. */
export interface MemoryPart {
  /** For a chunk cut and still held: its highest ingest-log sequence (the index's max_seq). Absent for the head. */
  maxSeq?: number;
  /** Flat triples: window, entries, bytes of lines; windows with none left out. */
  counts: number[];
}

export interface StreamVolume {
  fp: string;
  /** The stream's labels as `{a="b"}`. */
  labels: string;
  parts: MemoryPart[];
}

/** One ingester's answer, from the partitions it covers (held, caught up, leased), as in ingester-query.ts. */
export interface IngesterVolumeAnswer {
  partitions: number[];
  behind: Array<[partition: number, lag: number]>;
  streams: StreamVolume[];
}

/** What the asked ingesters said together, and which of them said nothing in time. */
export interface IngestersVolumeAnswer {
  streams: StreamVolume[];
  covered: Set<number>;
  behind: Map<number, number>;
  silent: string[];
}

/** Answers volume questions from queriers; returns a function that stops answering. */
export function serveIngesterVolumes(nc: NatsConnection, ingesterId: string, handle: (q: IngesterVolumeQuery) => IngesterVolumeAnswer): () => void {
  const sub = subscribeDecoded<IngesterVolumeQuery & { reply: string }>(
    nc,
    subjects.ingesterVolume,
    (req) => {
      let body: Uint8Array | Error;
      try {
        const a = handle(req);
        body = encode({ partitions: a.partitions, behind: a.behind, streams: a.streams });
      } catch (e) {
        body = e as Error;
      }
      replyInParts(nc, req.reply, ingesterId, body);
    },
  );
  return () => sub.unsubscribe();
}

/** The listed ingesters' counts; one that does not answer in time (or fails) is named in `silent`. */
export async function askIngesterVolumes(nc: NatsConnection, ingesterIds: string[], q: IngesterVolumeQuery, timeoutMs: number): Promise<IngestersVolumeAnswer> {
  const out: IngestersVolumeAnswer = { streams: [], covered: new Set(), behind: new Map(), silent: [] };
  if (ingesterIds.length === 0) return out;
  const inbox = new Inbox(nc);
  try {
    nc.publish(subjects.ingesterVolume, encode({ ...q, reply: inbox.subject }));
    const got = await Promise.allSettled(ingesterIds.map((id) => inbox.wait(id, timeoutMs)));
    got.forEach((r, i) => {
      if (r.status === 'rejected') return void out.silent.push(ingesterIds[i]);
      const a = decode<IngesterVolumeAnswer>(r.value);
      for (const p of a.partitions) out.covered.add(p);
      for (const [p, lag] of a.behind ?? []) out.behind.set(p, lag);
      out.streams.push(...a.streams);
    });
    return out;
  } finally {
    inbox.close();
  }
}
