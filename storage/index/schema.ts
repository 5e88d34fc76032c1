// An index file: what one row of chunk reference holds, and the tables of a per-tenant, per-day
// SQLite file (their SQL lives with each table family: series-table.ts, chunks-table.ts).
import type Database from 'better-sqlite3';
import type { Labels } from '../../model/labels.ts';
import { addRawBytes, CHUNKS_DDL } from './chunks-table.ts';
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
  /** Stored (compressed) size. */
  bytes: number;
  /** The bytes of its lines, Loki's uncompressed size; undefined when read from a file older than schema 2. */
  rawBytes?: number;
  maxSeq: number;
}

/**
 * Bumped when the tables change shape; a reader refuses files newer than it knows, and reads older
 * ones. 1: the first; 2: chunks.raw_bytes, the bytes of a chunk's lines (index stats and volume).
 */
export const SCHEMA_VERSION = 2;

/** The tables of a new file, or an older file's brought to this schema (a writer resuming a segment it left). */
export function createTables(db: Database.Database): void {
  db.exec(SERIES_DDL + CHUNKS_DDL);
  addRawBytes(db);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
