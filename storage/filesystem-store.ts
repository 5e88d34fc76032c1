// The filesystem object store: one file per key under a directory; a put is durable when it
// resolves (temp file, fsync, rename, fsync of the directory).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  BadKeyError,
  byKey,
  checkKey,
  checkRange,
  ObjectNotFoundError,
  type ListOptions,
  type ObjectInfo,
  type ObjectStore,
} from './object-store.ts';

/** Names of files being written; list skips them, so keys may not use the prefix. */
const TMP = '.tmp-';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class FilesystemStore implements ObjectStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    const segments = checkKey(key).split('/');
    if (segments.some((s) => s.startsWith(TMP))) throw new BadKeyError(`invalid object key ${JSON.stringify(key)}: ${TMP} is reserved`);
    return join(this.root, ...segments);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const path = this.path(key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `${TMP}${randomBytes(6).toString('hex')}`);
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    // the rename is durable only once the directory is
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') throw new ObjectNotFoundError(key, { cause: err });
      throw err;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    checkRange(key, offset, length);
    let fh;
    try {
      fh = await open(this.path(key), 'r');
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFoundError(key, { cause: err });
      throw err;
    }
    try {
      // never allocate more than the file holds
      const size = (await fh.stat()).size;
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.alloc(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ObjectInfo[]> {
    checkKey(prefix, true);
    const limit = opts.limit ?? Infinity;
    // walk from the deepest directory the prefix names
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const out: ObjectInfo[] = [];
    const walk = async (dir: string, keyDir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw err;
      }
      for (const e of entries) {
        if (out.length >= limit) return;
        if (e.name.startsWith(TMP)) continue;
        const key = keyDir ? `${keyDir}/${e.name}` : e.name;
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (prefix.startsWith(key + '/') || key.startsWith(prefix) || (key + '/').startsWith(prefix)) await walk(p, key);
        } else if (e.isFile() && key.startsWith(prefix)) {
          let s;
          try {
            s = await stat(p);
          } catch (err) {
            if (isMissing(err)) continue; // deleted while listing
            throw err;
          }
          // a put renames a new file into place, so the inode changes with every write
          const etag = createHash('sha1').update(`${s.size}:${s.mtimeMs}:${s.ino}`).digest('hex');
          out.push({ key, size: s.size, etag, modified: s.mtime });
        }
      }
    };
    await walk(join(this.root, ...dirPart.split('/').filter(Boolean)), dirPart);
    return out.sort(byKey);
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async close(): Promise<void> {}
}
