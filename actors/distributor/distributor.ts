// Validates pushes, places each stream in its partition and appends one message per partition
// to the ingest log; a push is acknowledged only when every append is.
import { randomUUID } from 'node:crypto';
import { encodeIngestBatch, type IngestLog, type IngestStream } from '../../bus/index.ts';
import { HttpError, httpErrors } from '../http-error.ts';
import type { Metrics } from '../metrics.ts';
import { partitionOf } from '../../model/fingerprint.ts';
import { fingerprint } from './fingerprint.ts';
import { decodePush } from './push-body.ts';
import type { PushStream } from './push-stream.ts';
import { RateLimiter } from './rate-limit.ts';
import { validatePush, type Limits, type ValidStream } from './validate.ts';

/** Split a partition's batch above this many line bytes, to stay under NATS's max_payload. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Pause between tries of an append the log refused outright (no JetStream yet, a leader moving). */
const RETRY_PAUSE_MS = 200;

export interface DistributorOptions {
  partitions: number;
  limits: (tenant: string) => Limits;
  /** How long a push may wait for the ingest log's acknowledgements (ingester_client.remote_timeout). */
  append_timeout_ms: number;
}

export class Distributor {
  private readonly rate = new RateLimiter();

  constructor(
    private readonly log: IngestLog,
    private readonly opts: DistributorOptions,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Appends the valid streams of a push; resolves once JetStream acknowledged every message.
   * Throws HttpError 400 naming the invalid streams (the valid ones are written first, as Loki
   * does), or 503 when the log did not acknowledge within append_timeout_ms (NATS unreachable,
   * JetStream down): the client resends, and a resent line is never shown twice (queriers drop
   * exact duplicates).
   */
  async push(tenant: string, streams: PushStream[], now = new Date()): Promise<void> {
    const limits = this.opts.limits(tenant);
    const v = validatePush(tenant, streams, limits, now);
    for (const [reason, n] of Object.entries(v.discarded ?? {})) this.metrics.discardedSamples.inc({ reason, tenant }, n);
    if (!this.rate.allow(tenant, v.bytes, limits.ingestion_rate_mb, limits.ingestion_burst_size_mb, now.getTime())) {
      this.metrics.discardedSamples.inc({ reason: 'rate_limited', tenant }, v.lines);
      throw httpErrors.rateLimited(tenant, limits.ingestion_rate_mb * 1024 * 1024, v.lines, v.bytes);
    }
    if (v.streams.length) await this.append(tenant, v.streams);
    this.metrics.linesReceived.inc({ tenant }, v.lines);
    this.metrics.bytesReceived.inc({ tenant }, v.bytes);
    if (v.error) throw v.error;
  }

  /** A Loki push body as the gateway receives it: decoded (push-body.ts, 400 or 413 when bad), then pushed. */
  async pushBody(tenant: string, body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxBytes: number): Promise<void> {
    await this.push(tenant, await decodePush(body, contentType, contentEncoding, maxBytes));
  }

  private async append(tenant: string, streams: ValidStream[]): Promise<void> {
    const byPartition = new Map<number, IngestStream[][]>();
    const sizes = new Map<number, number>();
    for (const s of streams) {
      const fp = fingerprint(tenant, s.labelsText);
      const p = partitionOf(fp, this.opts.partitions);
      const batch = s.batch;
      const groups = byPartition.get(p) ?? [[]];
      let size = sizes.get(p) ?? 0;
      if (size > 0 && size + batch.lines.length > MAX_MESSAGE_BYTES) {
        groups.push([]);
        size = 0;
      }
      groups[groups.length - 1].push({ fp, labels: s.labelsText, batch });
      sizes.set(p, size + batch.lines.length);
      byPartition.set(p, groups);
    }
    const pushId = randomUUID();
    const deadline = Date.now() + this.opts.append_timeout_ms;
    const appends: Promise<number>[] = [];
    for (const [p, groups] of byPartition)
      groups.forEach((g, k) => appends.push(this.appendOne(p, encodeIngestBatch({ tenant, streams: g }), `${pushId}.${p}.${k}`, deadline)));
    const results = await Promise.allSettled(appends);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      this.metrics.appendFailures.inc();
      const why = (failed.reason as Error).message;
      throw new HttpError(503, `push not acknowledged by the ingest log within ${this.opts.append_timeout_ms}ms: ${why}`, { cause: failed.reason });
    }
  }

  /**
   * Tries until the deadline; resending under the same id is safe (JetStream drops the
   * duplicate). While NATS reconnects the publish waits in the client's buffer, so one try
   * may take all the time left.
   */
  private async appendOne(partition: number, data: Uint8Array, msgId: string, deadline: number): Promise<number> {
    for (;;) {
      const left = deadline - Date.now();
      try {
        return await this.log.append(partition, data, msgId, Math.max(1, left));
      } catch (err) {
        if (deadline - Date.now() < RETRY_PAUSE_MS) throw err;
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
      }
    }
  }
}

