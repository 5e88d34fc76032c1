// The series family of tables: series (fingerprint → labels) and postings (label name and value →
// fingerprint), with the prepared statements that write and read them.
import type Database from 'better-sqlite3';
import { formatLabels, parseLabels, type Labels } from '../../model/labels.ts';

export const SERIES_DDL = `
CREATE TABLE IF NOT EXISTS series (fp TEXT PRIMARY KEY, labels TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings (
  name TEXT NOT NULL, value TEXT NOT NULL, fp TEXT NOT NULL, PRIMARY KEY (name, value, fp)
) WITHOUT ROWID;
`;

export class SeriesTable {
  private readonly insertSeries: Database.Statement<[string, string]>;
  private readonly insertPosting: Database.Statement<[string, string, string]>;
  private readonly byPosting: Database.Statement<[string, string], string>;
  private readonly valuesOfName: Database.Statement<[string], string>;
  private readonly labelsOfFp: Database.Statement<[string], string>;
  private readonly everySeries: Database.Statement<[], { fp: string; labels: string }>;

  constructor(db: Database.Database, writable: boolean) {
    if (writable) {
      this.insertSeries = db.prepare('INSERT OR IGNORE INTO series (fp, labels) VALUES (?, ?)');
      this.insertPosting = db.prepare('INSERT OR IGNORE INTO postings (name, value, fp) VALUES (?, ?, ?)');
    } else {
      const readOnly = () => {
        throw new Error('index file opened read-only');
      };
      this.insertSeries = this.insertPosting = { run: readOnly } as never;
    }
    this.byPosting = db.prepare<[string, string], string>('SELECT fp FROM postings WHERE name = ? AND value = ?').pluck();
    this.valuesOfName = db.prepare<[string], string>('SELECT DISTINCT value FROM postings WHERE name = ?').pluck();
    this.labelsOfFp = db.prepare<[string], string>('SELECT labels FROM series WHERE fp = ?').pluck();
    this.everySeries = db.prepare<[], { fp: string; labels: string }>('SELECT fp, labels FROM series');
  }

  /** A series and one posting per label; a series already present is left as it is. */
  add(fp: string, labels: Labels): void {
    this.insertSeries.run(fp, formatLabels(labels));
    for (const [n, v] of labels) this.insertPosting.run(n, v, fp);
  }

  fingerprints(name: string, value: string): string[] {
    return this.byPosting.all(name, value);
  }

  values(name: string): string[] {
    return this.valuesOfName.all(name);
  }

  labels(fp: string): Labels | undefined {
    const text = this.labelsOfFp.get(fp);
    return text === undefined ? undefined : parseLabels(text);
  }

  all(): Array<{ fp: string; labels: Labels }> {
    return this.everySeries.all().map((r) => ({ fp: r.fp, labels: parseLabels(r.labels) }));
  }
}
