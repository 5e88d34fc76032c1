// An index file: what one row of chunk reference holds, and the tables of a per-tenant, per-day
// SQLite file (their SQL lives with each table family: series-table.ts, chunks-table.ts).
import type Database from 'better-sqlite3';
import type { Labels } from '../../model/labels.ts';
import { CHUNKS_DDL } from './chunks-table.ts';
import { SERIES_DDL } from './series-table.ts';

export interface ChunkRef {
  tenant: string;
  /** 16 hex digits. */
  fingerprint: string;
  labels: Labels;
  /** The chunk's object key. */
  key: string;
  /** First and last entry's time, ns, inclusive. */
  from: bigint;
  through: bigint;
  entries: number;
  bytes: number;
  maxSeq: number;
}

/** Bumped when the tables change shape; a reader refuses files newer than it knows. */
export const SCHEMA_VERSION = 1;

export function createTables(db: Database.Database): void {
  db.exec(SERIES_DDL + CHUNKS_DDL);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
