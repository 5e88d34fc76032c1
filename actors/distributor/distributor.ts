// Validates pushes, places each stream in its partition and appends one message per partition
// to the ingest log; a push is acknowledged only when every append is.
import { randomUUID } from 'node:crypto';
import { encodeIngestBatch, type IngestLog, type IngestStream } from '../../bus/index.ts';
import { HttpError, httpErrors } from '../http-error.ts';
import type { Metrics } from '../metrics.ts';
import { partitionOf } from '../../model/fingerprint.ts';
import { fingerprint } from './fingerprint.ts';
import { decodePush } from './push-body.ts';
import { decodeOtlp } from './push-otlp.ts';
import type { PushStream } from './push-stream.ts';
import { RateLimiter } from './rate-limit.ts';
import { StreamsSeen, type PlacedStream } from './streams-seen.ts';
import { validatePush, type Limits, type Rejection } from './validate.ts';

/** Split a partition's batch above this many line bytes, to stay under NATS's max_payload. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Pause between tries of an append the log refused outright (no JetStream yet, a leader moving). */
const RETRY_PAUSE_MS = 200;

export interface DistributorOptions {
  partitions: number;
  /** A tenant's push limits: limits_config with the tenant's runtime overrides. */
  limits: (tenant: string) => Limits;
  /** The part of a tenant's ingestion rate this distributor allows: 1 (local strategy), or 1 over the live distributors (global). */
  rateShare: () => number;
  /** Streams of a tenant the ingesters hold across the cluster, as they last heartbeated. */
  clusterStreams: (tenant: string) => number;
  /** How far behind its stream's newest entry an entry may be (Loki's ingester: max_chunk_age / 2). */
  out_of_order_window_ms: number;
  /** A stream not pushed this long is forgotten by the stream limit (chunk_idle_period). */
  stream_idle_ms: number;
  /** How long a push may wait for the ingest log's acknowledgements (ingester_client.remote_timeout). */
  append_timeout_ms: number;
}

const MB = 1024 * 1024;

export class Distributor {
  private readonly rate = new RateLimiter();
  private readonly seen: StreamsSeen;

  constructor(
    private readonly log: IngestLog,
    private readonly opts: DistributorOptions,
    private readonly metrics: Metrics,
  ) {
    this.seen = new StreamsSeen(opts.stream_idle_ms);
  }

  /**
   * Appends the valid streams of a push; resolves once JetStream acknowledged every message.
   * Throws HttpError 429 over the rate (nothing written) or the stream limit, 400 naming the
   * invalid streams and entries (the valid ones are written first, as Loki does), or 503 when the
   * log did not acknowledge within append_timeout_ms (NATS unreachable, JetStream down): the
   * client resends, and a resent line is never shown twice (queriers drop exact duplicates).
   */
  async push(tenant: string, streams: PushStream[], now = new Date()): Promise<void> {
    const limits = this.opts.limits(tenant);
    const v = validatePush(tenant, streams, limits, now);
    this.discard(tenant, v.rejected);
    if (v.truncated.lines) {
      this.metrics.mutatedSamples.inc({ reason: 'line_too_long', tenant }, v.truncated.lines);
      this.metrics.mutatedBytes.inc({ reason: 'line_too_long', tenant }, v.truncated.bytes);
    }
    if (v.streams.length === 0) {
      if (v.error) throw v.error;
      return;
    }
    const rate = limits.ingestion_rate_mb * MB * this.opts.rateShare();
    if (!this.rate.allow(tenant, v.bytes, rate, limits.ingestion_burst_size_mb * MB, now.getTime())) {
      this.discard(tenant, [{ reason: 'rate_limited', message: '', lines: v.lines, bytes: v.bytes }]);
      throw httpErrors.rateLimited(tenant, rate, v.lines, v.bytes);
    }
    const placed = v.streams.map((s) => ({ ...s, fp: fingerprint(tenant, s.labelsText) }));
    const checks = {
      maxStreams: limits.max_global_streams_per_user,
      clusterStreams: limits.max_global_streams_per_user > 0 ? this.opts.clusterStreams(tenant) : 0,
      windowNs: BigInt(this.opts.out_of_order_window_ms) * 1_000_000n,
    };
    const c = this.seen.check(tenant, placed, checks, now.getTime());
    this.discard(tenant, c.rejected);
    if (c.streams.length) await this.append(tenant, c.streams);
    this.metrics.linesReceived.inc({ tenant }, c.lines);
    this.metrics.bytesReceived.inc({ tenant }, c.bytes);
    // as Loki's, what the ingesters refused answers before what validation refused
    if (c.error ?? v.error) throw c.error ?? v.error;
  }

  /** loki_discarded_samples_total and loki_discarded_bytes_total, by Loki's reason. */
  private discard(tenant: string, rejected: readonly Rejection[]): void {
    for (const r of rejected) {
      this.metrics.discardedSamples.inc({ reason: r.reason, tenant }, r.lines);
      this.metrics.discardedBytes.inc({ reason: r.reason, tenant }, r.bytes);
    }
  }

  /** A Loki push body as the gateway receives it: decoded (push-body.ts, 400 or 413 when bad), then pushed. */
  async pushBody(tenant: string, body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxBytes: number): Promise<void> {
    await this.push(tenant, await decodePush(body, contentType, contentEncoding, maxBytes));
  }

  /** An OTLP/HTTP logs body (push-otlp.ts: mapped to streams as Loki 3 maps them), pushed like any other. */
  async pushOtlp(tenant: string, body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxBytes: number): Promise<void> {
    await this.push(tenant, await decodeOtlp(body, contentType, contentEncoding, maxBytes));
  }

  private async append(tenant: string, streams: PlacedStream[]): Promise<void> {
    const byPartition = new Map<number, IngestStream[][]>();
    const sizes = new Map<number, number>();
    for (const { fp, labelsText, batch } of streams) {
      const p = partitionOf(fp, this.opts.partitions);
      const groups = byPartition.get(p) ?? [[]];
      let size = sizes.get(p) ?? 0;
      if (size > 0 && size + batch.lines.length > MAX_MESSAGE_BYTES) {
        groups.push([]);
        size = 0;
      }
      groups[groups.length - 1].push({ fp, labels: labelsText, batch });
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

