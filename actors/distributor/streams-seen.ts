// Two of Loki's ingester limits, held by the distributor because an acknowledged push can no
// longer be refused: max_global_streams_per_user and the out-of-order window. Each distributor
// remembers the streams it let in lately and each one's newest entry, so the push path pays one
// Map lookup per stream and asks nobody.
import { pickEntries } from '../../model/batch.ts';
import { HttpError } from '../http-error.ts';
import { rfc3339, type Rejection, type ValidStream } from './validate.ts';

/** A valid stream with its fingerprint, as the distributor appends it. */
export interface PlacedStream extends ValidStream {
  fp: string;
}

interface Seen {
  /** Its newest entry's time: entries more than the window behind it are refused. */
  newest: bigint;
  /** When it was last pushed, ms. */
  at: number;
}

interface TenantStreams {
  streams: Map<string, Seen>;
  sweptAt: number;
}

export interface StreamChecks {
  /** The tenant's max_global_streams_per_user; 0: no limit. */
  maxStreams: number;
  /** Streams of the tenant the ingesters hold across the cluster, as they last heartbeated. */
  clusterStreams: number;
  /** How far behind its stream's newest entry an entry may be, ns (Loki: max_chunk_age / 2). */
  windowNs: bigint;
}

export interface CheckedStreams {
  streams: PlacedStream[];
  lines: number;
  bytes: number;
  rejected: Rejection[];
  /** 429 when a stream was over the stream limit, else 400 when entries were too far behind. */
  error?: HttpError;
}

// pkg/validation/validate.go StreamLimitErrorMsg
const STREAM_LIMIT =
  'Maximum active stream limit exceeded, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased';
/** Loki's ingester names at most this many refused entries per stream (max_returned_stream_errors). */
const MAX_NAMED = 10;

export class StreamsSeen {
  private readonly tenants = new Map<string, TenantStreams>();

  /** `forgetMs`: a stream not pushed this long is forgotten (its ingester lets it go after chunk_idle_period too). */
  constructor(private readonly forgetMs: number) {}

  /**
   * Keeps the streams and entries both limits allow, and remembers them. A stream this
   * distributor does not know is new: refused when the tenant already has `maxStreams`, counting
   * the larger of what the ingesters reported and what this distributor knows (the ingesters'
   * figure is seconds old; its own is exact for what came through it). An entry is refused when
   * it is more than the window behind the newest entry of its stream seen here before it.
   */
  check(tenant: string, streams: readonly PlacedStream[], c: StreamChecks, now: number): CheckedStreams {
    const known = this.of(tenant, now);
    let count = Math.max(c.clusterStreams, known.size);
    const out: CheckedStreams = { streams: [], lines: 0, bytes: 0, rejected: [] };
    const behind: string[] = [];
    for (const s of streams) {
      const b = s.batch;
      const n = b.ts.length;
      let seen = known.get(s.fp);
      if (!seen) {
        if (c.maxStreams > 0 && count >= c.maxStreams) {
          out.rejected.push({ reason: 'stream_limit', message: STREAM_LIMIT, lines: n, bytes: b.offsets[n] - b.offsets[0] });
          continue;
        }
        count++;
        known.set(s.fp, (seen = { newest: b.ts[0], at: now }));
      }
      seen.at = now;
      let keep: Uint8Array | undefined;
      const named: string[] = [];
      let refused = 0;
      for (let i = 0; i < n; i++) {
        const ts = b.ts[i];
        const cutoff = seen.newest - c.windowNs;
        if (ts < cutoff) {
          const size = b.offsets[i + 1] - b.offsets[i];
          const message = `entry with timestamp ${goTime(ts)} ignored, reason: 'entry too far behind, oldest acceptable timestamp is: ${rfc3339(cutoff)}' for stream: ${s.labelsText}`;
          out.rejected.push({ reason: 'too_far_behind', message, lines: 1, bytes: size });
          (keep ??= new Uint8Array(n).fill(1))[i] = 0;
          if (named.length < MAX_NAMED) named.push(`${message},\n`);
          refused++;
          continue;
        }
        if (ts > seen.newest) seen.newest = ts;
        out.lines++;
        out.bytes += b.offsets[i + 1] - b.offsets[i];
      }
      if (refused) behind.push(`${named.join('')}user '${tenant}', total ignored: ${refused} out of ${n}`);
      if (!keep) out.streams.push(s);
      else if (refused < n) out.streams.push({ ...s, batch: { labels: b.labels, ...pickEntries(b, keep) } });
    }
    if (out.rejected.some((r) => r.reason === 'stream_limit')) out.error = new HttpError(429, STREAM_LIMIT);
    else if (behind.length) out.error = new HttpError(400, behind.join('\n'));
    return out;
  }

  /** The tenant's streams, those not pushed within forgetMs dropped first (at most once a tenth of it). */
  private of(tenant: string, now: number): Map<string, Seen> {
    let t = this.tenants.get(tenant);
    if (!t) this.tenants.set(tenant, (t = { streams: new Map(), sweptAt: now }));
    if (now - t.sweptAt > this.forgetMs / 10) {
      t.sweptAt = now;
      for (const [fp, s] of t.streams) if (now - s.at > this.forgetMs) t.streams.delete(fp);
    }
    return t.streams;
  }
}

/** Go's time.Time.String() in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`, the fraction without trailing zeros. */
function goTime(ns: bigint): string {
  const NS = 1_000_000_000n;
  let sec = ns / NS;
  let frac = ns % NS;
  if (frac < 0n) {
    sec -= 1n;
    frac += NS;
  }
  const day = new Date(Number(sec) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const f = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${day}${f} +0000 UTC`;
}
