// Validates and normalises one push against a tenant's limits, with Loki's rules and messages.
import { columnsFromRows, concatColumns, pickEntries, type EntryBatch, type EntryColumns, type Row } from '../../model/batch.ts';
import { formatLabels, LabelsSyntaxError, parseLabels, type Labels } from '../../model/labels.ts';
import { msToNs } from '../../model/time.ts';
import { remembered } from '../../model/remember.ts';
import { extremesOf, wordsOf } from '../../model/ts-words.ts';
import { parseDuration } from '../../logql/parser/units.ts';
import { HttpError } from '../http-error.ts';
import type { PushStream } from './push-stream.ts';

/** The per-tenant limits a push meets; Loki's `limits_config` keys. */
export interface Limits {
  /** Bytes; 0 means unlimited. */
  max_line_size: number;
  /** Cut longer lines to max_line_size bytes instead of refusing them. */
  max_line_size_truncate: boolean;
  max_label_names_per_series: number;
  /** Bytes, as Go's len(). */
  max_label_name_length: number;
  max_label_value_length: number;
  reject_old_samples: boolean;
  /** A duration as written in Loki's YAML (`1w`, `168h`): config files and overrides hold the same text. */
  reject_old_samples_max_age: string;
  /** How far in the future an entry may be, a duration. */
  creation_grace_period: string;
  /** Enforced by the caller's rate limiter, not here. */
  ingestion_rate_mb: number;
  ingestion_burst_size_mb: number;
  /** Enforced by the caller against the streams the cluster holds (streams-seen.ts), not here; 0: no limit. */
  max_global_streams_per_user: number;
}

export interface ValidStream {
  /** Canonical `{a="b", c="d"}`: the key for fingerprints, merging and the index. */
  labelsText: string;
  /** The accepted entries in the order sent; labels sorted by name, empty values dropped. */
  batch: EntryBatch;
}

/** Why lines were dropped; `reason` is Loki's discard reason (the `reason` label of loki_discarded_samples_total). */
export interface Rejection {
  reason: Reason;
  message: string;
  lines: number;
  bytes: number;
}

export type Reason =
  | 'invalid_labels'
  | 'missing_labels'
  | 'max_label_names_per_series'
  | 'label_name_too_long'
  | 'label_value_too_long'
  | 'duplicate_label_names'
  | 'greater_than_max_sample_age'
  | 'too_far_in_future'
  | 'line_too_long'
  // the limits held outside validation: distributor.ts and streams-seen.ts
  | 'rate_limited'
  | 'stream_limit'
  | 'too_far_behind';

export interface ValidatedPush {
  /** What to write: valid entries, streams with equal label sets merged, in first-seen order. */
  streams: ValidStream[];
  /** Count and line bytes of the accepted entries. */
  lines: number;
  bytes: number;
  /** Every failure, in order; empty when all was accepted. */
  rejected: Rejection[];
  /** Lines dropped per reason, for loki_discarded_samples_total. */
  discarded: Partial<Record<Reason, number>>;
  /** Their bytes, for loki_discarded_bytes_total. */
  discardedBytes: Partial<Record<Reason, number>>;
  /** Lines cut to max_line_size (max_line_size_truncate), and the bytes cut off them. */
  truncated: { lines: number; bytes: number };
  /**
   * Set when anything was rejected: a 400 whose message is every failure, equal
   * messages grouped with their count as Loki 3 does (2.8 kept only the last).
   */
  error?: HttpError;
}

/** A tenant's limits turned into numbers once per request, so the loop reads no config. */
interface Snapshot {
  maxLine: number;
  truncate: boolean;
  maxNames: number;
  maxNameLen: number;
  maxValueLen: number;
  /** Entries before this are too old; undefined when old samples are accepted. */
  oldest?: bigint;
  newest: bigint;
}

function snapshot(limits: Limits, now: Date): Snapshot {
  const nowNs = msToNs(now.getTime());
  return {
    maxLine: limits.max_line_size,
    truncate: limits.max_line_size_truncate && limits.max_line_size > 0,
    maxNames: limits.max_label_names_per_series,
    maxNameLen: limits.max_label_name_length,
    maxValueLen: limits.max_label_value_length,
    oldest: limits.reject_old_samples ? nowNs - durationNs(limits.reject_old_samples_max_age) : undefined,
    newest: nowNs + durationNs(limits.creation_grace_period),
  };
}

/** A limit's duration (Loki's YAML forms: `1w`, `168h`, `0`) in nanoseconds. */
const durationNs = (text: string): bigint => BigInt(parseDuration(text));

/**
 * Checks every stream and entry as Loki's distributor does. Invalid streams
 * and entries are dropped and reported; the rest are returned, so the caller
 * writes exactly `streams` and then answers 400 with `error` if it is set
 * (Loki ingests the valid part of a push too). `limits` are already the
 * tenant's; `tenant` keeps the signature of Loki's per-tenant validation.
 */
export function validatePush(tenant: string, streams: readonly PushStream[], limits: Limits, now: Date): ValidatedPush {
  void tenant;
  const lim = snapshot(limits, now);
  const byText = new Map<string, { labels: Labels; parts: EntryColumns[] }>();
  const rejected: Rejection[] = [];
  const truncated = { lines: 0, bytes: 0 };
  let lines = 0;
  let bytes = 0;

  for (const stream of streams) {
    // as Loki: lines are cut first, so every later check sees the lengths that are kept
    const e = lim.truncate ? truncateLines(stream.entries, lim.maxLine, truncated) : stream.entries;
    const n = e.ts.length;
    if (n === 0) continue; // as Loki: nothing to write, nothing to check
    const checked = checkLabels(stream.labels, lim);
    if ('reason' in checked) {
      rejected.push({ ...checked, lines: n, bytes: e.offsets[n] - e.offsets[0] });
      continue;
    }
    // the times are checked entry by entry only when the stream's earliest or latest fails
    const [earliest, latest] = extremesOf(wordsOf(e.ts), n);
    const timesOk = (lim.oldest === undefined || e.ts[earliest] >= lim.oldest) && e.ts[latest] <= lim.newest;
    // a mask only once an entry fails: a clean stream goes on as it came, without a copy
    let keep: Uint8Array | undefined;
    for (let i = 0; i < n; i++) {
      const size = e.offsets[i + 1] - e.offsets[i];
      const failure = timesOk ? checkSize(size, checked.labelsText, lim) : checkEntry(e.ts[i], size, checked.labelsText, lim);
      if (failure) {
        rejected.push({ ...failure, lines: 1, bytes: size });
        (keep ??= new Uint8Array(n).fill(1))[i] = 0;
        continue;
      }
      lines++;
      bytes += size;
    }
    let target = byText.get(checked.labelsText);
    if (!target) byText.set(checked.labelsText, (target = { labels: checked.labels, parts: [] }));
    const part = keep ? pickEntries(e, keep) : e;
    if (part.ts.length > 0) target.parts.push(part);
  }

  const accepted: ValidStream[] = [];
  for (const [labelsText, { labels, parts }] of byText)
    if (parts.length > 0) accepted.push({ labelsText, batch: { labels, ...concatColumns(parts) } });
  const discarded: Partial<Record<Reason, number>> = {};
  const discardedBytes: Partial<Record<Reason, number>> = {};
  for (const r of rejected) {
    discarded[r.reason] = (discarded[r.reason] ?? 0) + r.lines;
    discardedBytes[r.reason] = (discardedBytes[r.reason] ?? 0) + r.bytes;
  }
  const out: ValidatedPush = { streams: accepted, lines, bytes, rejected, discarded, discardedBytes, truncated };
  if (rejected.length > 0) out.error = new HttpError(400, groupMessages(rejected));
  return out;
}

type Canonical = { labels: Labels; labelsText: string };
type LabelsCheck = Canonical | { reason: Reason; message: string };

/** A pushed label text parsed, empty values dropped (an empty value means an absent label, Prometheus's rule, and must not change the fingerprint), and made canonical. */
const canonicalOf = remembered((text): Canonical => {
  const parsed = parseLabels(text);
  const labels = parsed.some(([, v]) => v === '') ? parsed.filter(([, v]) => v !== '') : parsed;
  return { labels, labelsText: formatLabels(labels) };
}, 100_000);

/** Loki's parseStreamLabels then ValidateLabels: parse, drop empty values, then count, lengths, duplicates. */
function checkLabels(text: string, lim: Snapshot): LabelsCheck {
  let c: Canonical;
  try {
    c = canonicalOf(text);
  } catch (err) {
    if (!(err instanceof LabelsSyntaxError)) throw err;
    // labels.ts refuses duplicate names while parsing; Loki parses them and reports them itself.
    const dup = /^duplicate label name (.+)$/.exec(err.message);
    if (dup) return { reason: 'duplicate_label_names', message: `stream '${text}' has duplicate label name: '${dup[1]}'` };
    return { reason: 'invalid_labels', message: `Error parsing labels '${text}' with error: ${err.message}` };
  }
  const labels = c.labels;
  if (labels.length === 0) return { reason: 'missing_labels', message: 'error at least one label pair is required per stream' };
  if (labels.length > lim.maxNames)
    return {
      reason: 'max_label_names_per_series',
      message: `entry for stream '${text}' has ${labels.length} label names; limit ${lim.maxNames}`,
    };
  for (const [name, value] of labels) {
    if (Buffer.byteLength(name, 'utf8') > lim.maxNameLen)
      return { reason: 'label_name_too_long', message: `stream '${text}' has label name too long: '${name}'` };
    if (Buffer.byteLength(value, 'utf8') > lim.maxValueLen)
      return { reason: 'label_value_too_long', message: `stream '${text}' has label value too long: '${value}'` };
  }
  return c;
}

/** Loki's ValidateEntry, in its order: too old, too new, too long. */
function checkEntry(
  ts: bigint,
  size: number,
  labelsText: string,
  lim: Snapshot,
): { reason: Reason; message: string } | undefined {
  if (lim.oldest !== undefined && ts < lim.oldest)
    return {
      reason: 'greater_than_max_sample_age',
      message: `entry for stream '${labelsText}' has timestamp too old: ${rfc3339(ts)}, oldest acceptable timestamp is: ${rfc3339(lim.oldest)}`,
    };
  if (ts > lim.newest)
    return {
      reason: 'too_far_in_future',
      message: `entry for stream '${labelsText}' has timestamp too new: ${rfc3339(ts)}`,
    };
  return checkSize(size, labelsText, lim);
}

function checkSize(size: number, labelsText: string, lim: Snapshot): { reason: Reason; message: string } | undefined {
  if (lim.maxLine !== 0 && size > lim.maxLine)
    return {
      reason: 'line_too_long',
      message: `Max entry size '${lim.maxLine}' bytes exceeded for stream '${labelsText}' while adding an entry with length '${size}' bytes`,
    };
  return undefined;
}

/** The entries with every line over `max` bytes cut to `max` (bytes, as Loki cuts them), counted into `count`; the same columns when none is over. */
function truncateLines(e: EntryColumns, max: number, count: { lines: number; bytes: number }): EntryColumns {
  const n = e.ts.length;
  let over = 0;
  for (let i = 0; i < n; i++) if (e.offsets[i + 1] - e.offsets[i] > max) over++;
  if (over === 0) return e;
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const size = e.offsets[i + 1] - e.offsets[i];
    if (size > max) count.bytes += size - max;
    rows.push([e.ts[i], e.lines.subarray(e.offsets[i], e.offsets[i] + Math.min(size, max)), e.metadata?.[i]]);
  }
  count.lines += over;
  return columnsFromRows(rows);
}

/** Go's time.Format(time.RFC3339) in UTC: whole seconds, `Z`. */
export function rfc3339(ns: bigint): string {
  let sec = ns / 1_000_000_000n;
  if (ns < 0n && sec * 1_000_000_000n !== ns) sec -= 1n; // floor, as Go truncates toward the past
  return new Date(Number(sec) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Loki 3's GroupedErrors: equal messages once, with their count; "; " between groups. */
function groupMessages(rejected: readonly Rejection[]): string {
  const counts = new Map<string, number>();
  for (const r of rejected) counts.set(r.message, (counts.get(r.message) ?? 0) + 1);
  const parts: string[] = [];
  for (const [msg, n] of counts) parts.push(counts.size > 1 || n > 1 ? `${n} errors like: ${msg}` : msg);
  return parts.join('; ');
}
