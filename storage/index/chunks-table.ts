// The chunks table: each series' chunk references with their time ranges, and the prepared
// statements that write and read them. `raw_bytes` (the bytes of a chunk's lines, Loki's
// uncompressed size) came with schema 2: a file written before has no such column, and its rows
// read with rawBytes undefined.
import type Database from 'better-sqlite3';

export const CHUNKS_DDL = `
CREATE TABLE IF NOT EXISTS chunks (
  key TEXT PRIMARY KEY, fp TEXT NOT NULL, from_ns INTEGER NOT NULL, through_ns INTEGER NOT NULL,
  entries INTEGER NOT NULL, bytes INTEGER NOT NULL, max_seq INTEGER NOT NULL, raw_bytes INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_by_series ON chunks (fp, through_ns);
`;

export interface ChunkRow {
  key: string;
  from: bigint;
  through: bigint;
  entries: number;
  /** The chunk's stored (compressed) size. */
  bytes: number;
  /** The bytes of its lines; undefined in files older than schema 2. */
  rawBytes?: number;
  maxSeq: number;
}

interface RawRow {
  key: string;
  from_ns: bigint;
  through_ns: bigint;
  entries: bigint;
  bytes: bigint;
  max_seq: bigint;
  raw_bytes: bigint | null;
}

/** Whether a file's chunks table has the raw_bytes column (schema 2 and later). */
export const hasRawBytes = (db: Database.Database): boolean =>
  db.prepare("SELECT 1 FROM pragma_table_info('chunks') WHERE name = 'raw_bytes'").get() !== undefined;

/** Brings a schema-1 file's chunks table to schema 2 (its rows keep raw_bytes NULL). */
export function addRawBytes(db: Database.Database): void {
  if (!hasRawBytes(db)) db.exec('ALTER TABLE chunks ADD COLUMN raw_bytes INTEGER');
}

export class ChunksTable {
  private readonly insert: Database.Statement<[string, string, bigint, bigint, number, number, number, number | null]>;
  private readonly overlapping: Database.Statement<[string, bigint, bigint], RawRow>;
  private readonly anyOverlapping: Database.Statement<[string, bigint, bigint], number>;

  constructor(db: Database.Database, writable: boolean) {
    this.insert = writable
      ? db.prepare('INSERT OR REPLACE INTO chunks (key, fp, from_ns, through_ns, entries, bytes, max_seq, raw_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      : ({ run: () => { throw new Error('index file opened read-only'); } } as never);
    const raw = hasRawBytes(db) ? 'raw_bytes' : 'NULL AS raw_bytes';
    // a chunk [from_ns, through_ns] overlaps a query [from, through) when through_ns >= from and from_ns < through
    this.overlapping = db
      .prepare<[string, bigint, bigint], RawRow>(
        `SELECT key, from_ns, through_ns, entries, bytes, max_seq, ${raw} FROM chunks WHERE fp = ? AND through_ns >= ? AND from_ns < ?`,
      )
      .safeIntegers(true);
    this.anyOverlapping = db
      .prepare<[string, bigint, bigint], number>('SELECT 1 FROM chunks WHERE fp = ? AND through_ns >= ? AND from_ns < ? LIMIT 1')
      .pluck();
  }

  add(fp: string, c: ChunkRow): void {
    this.insert.run(c.key, fp, c.from, c.through, c.entries, c.bytes, c.maxSeq, c.rawBytes ?? null);
  }

  /** The chunks of a series overlapping [from, through). */
  inRange(fp: string, from: bigint, through: bigint): ChunkRow[] {
    return this.overlapping.all(fp, from, through).map((r) => {
      const row: ChunkRow = {
        key: r.key,
        from: r.from_ns,
        through: r.through_ns,
        entries: Number(r.entries),
        bytes: Number(r.bytes),
        maxSeq: Number(r.max_seq),
      };
      if (r.raw_bytes !== null) row.rawBytes = Number(r.raw_bytes);
      return row;
    });
  }

  hasAnyInRange(fp: string, from: bigint, through: bigint): boolean {
    return this.anyOverlapping.get(fp, from, through) !== undefined;
  }
}
