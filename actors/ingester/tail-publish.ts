// Feeds live tails: after an ingester has accepted a message of the ingest log, it publishes it on
// its tenant's tail feed, only while some querier tails that tenant (bus/tail-feed.ts). A message
// whose every stream was accepted goes out as read, with no re-encoding; otherwise only the streams
// taken (a replayed stream skips what it has flushed) are encoded again.
import type { NatsConnection } from 'nats';
import { TailInterest, encodeIngestBatch, publishTailFeed, type IngestBatch, type IngestStream } from '../../bus/index.ts';

export class TailPublisher {
  private readonly interest: TailInterest;

  constructor(private readonly nc: NatsConnection) {
    this.interest = new TailInterest(nc);
  }

  start(): void {
    this.interest.start();
  }

  /** Whether `tenant` is tailed now; one map lookup, so untailed tenants cost nothing more. */
  wanted(tenant: string): boolean {
    return this.interest.wanted(tenant);
  }

  /** `data`: the message as read from the log; `accepted`: the streams of `batch` whose entries the stream actors took. */
  publish(batch: IngestBatch, data: Uint8Array, accepted: IngestStream[]): void {
    if (!accepted.length) return;
    const body = accepted.length === batch.streams.length ? data : encodeIngestBatch({ tenant: batch.tenant, streams: accepted });
    try {
      publishTailFeed(this.nc, batch.tenant, body);
    } catch {
      // a closed or draining connection: tails miss this message, but the ingest log's reader must
      // not see a throw, or it would hand the message, already appended, over again
    }
  }

  stop(): void {
    this.interest.stop();
  }
}
