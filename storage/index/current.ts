// Which of a day's index files a reader reads. A compacted file (index/<tenant>/<day>/compacted/…)
// holds the rows of the files it merged and names each of them with the version (size and etag)
// it merged, in its `covers` table; a listed file whose key and version a compacted file names is
// skipped, since its rows are there. A file that changed after it was merged (another version) is
// read until a later compaction merges it again, and a compacted file named by a later one is
// skipped like a segment. Files are only ever deleted after every reader stopped needing them
// (compact.ts), so answering from the current set never misses a row.
import type { ObjectInfo } from '../object-store.ts';

/** The folder of a day's compacted files; writers' segment names never contain a `/`. */
export const COMPACTED_DIR = 'compacted';

/** The covers table of a compacted file: each file merged into it, at the version merged. */
export const COVERS_DDL = 'CREATE TABLE IF NOT EXISTS covers (key TEXT PRIMARY KEY, version TEXT NOT NULL) WITHOUT ROWID;';

export const isIndexFile = (o: ObjectInfo): boolean => o.key.endsWith('.db');

export const isCompacted = (o: ObjectInfo): boolean => o.key.split('/').at(-2) === COMPACTED_DIR;

/** The version of an object as a listing shows it: changes whenever its content may have. */
export const versionOf = (o: ObjectInfo): string => `${o.size}:${o.etag}`;

/** Keys and versions a set of compacted files covers, together. */
export type Covers = Map<string, string>;

export const isCovered = (o: ObjectInfo, covers: Covers): boolean => covers.get(o.key) === versionOf(o);

/**
 * The files to read of a listing: compacted files are opened first (`open`) for what they cover,
 * then what none covers is opened too. Resolves with the opened files a query reads.
 */
export async function openCurrent<F extends { key: string; covers: Covers }>(
  objects: ObjectInfo[],
  open: (objects: ObjectInfo[]) => Promise<{ files: F[]; release: () => void }>,
): Promise<{ files: F[]; release: () => void }> {
  const index = objects.filter(isIndexFile);
  const compacted = await open(index.filter(isCompacted));
  const covers: Covers = new Map();
  for (const f of compacted.files) for (const [k, v] of f.covers) covers.set(k, v);
  try {
    const rest = await open(index.filter((o) => !isCompacted(o) && !isCovered(o, covers)));
    const byKey = new Map(index.map((o) => [o.key, o]));
    const live = compacted.files.filter((f) => !isCovered(byKey.get(f.key)!, covers));
    return {
      files: [...live, ...rest.files],
      release: () => {
        compacted.release();
        rest.release();
      },
    };
  } catch (err) {
    compacted.release();
    throw err;
  }
}
