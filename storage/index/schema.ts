// The index file's tables and the day it belongs to: one SQLite file per tenant and UTC day.
import type { Labels } from '../../logql/batch.ts';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (fp TEXT PRIMARY KEY, labels TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings (name TEXT NOT NULL, value TEXT NOT NULL, fp TEXT NOT NULL, PRIMARY KEY (name, value, fp)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chunks (
  key TEXT PRIMARY KEY, fp TEXT NOT NULL, from_ns INTEGER NOT NULL, through_ns INTEGER NOT NULL,
  entries INTEGER NOT NULL, bytes INTEGER NOT NULL, max_seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_by_series ON chunks (fp, through_ns);
`;

export interface ChunkRef {
  tenant: string;
  fingerprint: string;
  labels: Labels;
  key: string;
  from: bigint;
  through: bigint;
  entries: number;
  bytes: number;
  maxSeq: number;
}

const NS_PER_DAY = 86_400_000_000_000n;

/** `YYYY-MM-DD` of a nanosecond time, UTC. */
export function dayOf(ns: bigint): string {
  const day = ns >= 0n ? ns / NS_PER_DAY : (ns - NS_PER_DAY + 1n) / NS_PER_DAY;
  return new Date(Number(day) * 86_400_000).toISOString().slice(0, 10);
}

/** Every day a time range touches, at most `max` of them (a hostile range must stay cheap). */
export function daysOf(from: bigint, through: bigint, max = 3700): string[] {
  const out: string[] = [];
  const first = from >= 0n ? from / NS_PER_DAY : (from - NS_PER_DAY + 1n) / NS_PER_DAY;
  const last = through >= 0n ? through / NS_PER_DAY : (through - NS_PER_DAY + 1n) / NS_PER_DAY;
  for (let d = first; d <= last && out.length < max; d++) out.push(new Date(Number(d) * 86_400_000).toISOString().slice(0, 10));
  return out;
}
