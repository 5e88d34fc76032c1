// The filesystem object store: one file per key under a directory; a put is durable when it
// resolves (temp file, fsync, rename, fsync of the directory).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { checkKey, ObjectNotFoundError, type ObjectInfo, type ObjectStore } from './object-store.ts';

const TMP = '.tmp-';

export class FilesystemStore implements ObjectStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, data: Buffer): Promise<void> {
    const path = this.path(key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `${TMP}${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
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
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    let fh;
    try {
      fh = await open(this.path(key), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw err;
    }
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    checkKey(prefix, true);
    // walk from the deepest directory the prefix names
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = join(this.root, ...dirPart.split('/').filter(Boolean));
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile() && !e.name.startsWith(TMP)) {
          const key = relative(this.root, p).split(sep).join('/');
          if (!key.startsWith(prefix)) continue;
          const s = await stat(p);
          const etag = createHash('sha1').update(`${s.size}:${s.mtimeMs}:${s.ino}`).digest('hex');
          out.push({ key, size: s.size, etag, modified: s.mtime });
        }
      }
    };
    await walk(start);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async close(): Promise<void> {}
}
