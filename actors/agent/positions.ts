// The positions file, in promtail's format (`positions: {<path>: "<offset>"}`) with each file's
// inode beside it (`inodes:`), so a restart knows whether the file at a path is still the one it
// was reading. Offsets are set only for acknowledged lines (acks.ts); the file is written every
// `sync_period` and on stop, durably (write, fsync, rename, fsync the directory).
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { ConfigError } from '../../config/index.ts';
import { isTree } from './config.ts';

export interface Position {
  offset: number;
  /** Unknown for a file written by promtail. */
  inode?: number;
}

export class Positions {
  private readonly at = new Map<string, Position>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly filename: string,
    private readonly syncPeriodMs: number,
    ignoreInvalid: boolean,
    private readonly onError: (err: Error) => void,
  ) {
    mkdirSync(dirname(filename), { recursive: true });
    let text: string;
    try {
      text = readFileSync(filename, 'utf8');
    } catch {
      return;
    }
    try {
      const t: unknown = parseYaml(text);
      const positions = isTree(t) && isTree(t.positions) ? t.positions : {};
      const inodes = isTree(t) && isTree(t.inodes) ? t.inodes : {};
      for (const [path, v] of Object.entries(positions)) {
        const offset = Number(v);
        if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad offset ${JSON.stringify(v)} for ${path}`);
        const inode = inodes[path] === undefined ? undefined : Number(inodes[path]);
        this.at.set(path, { offset, inode });
      }
    } catch (err) {
      if (!ignoreInvalid) throw new ConfigError(`positions file ${filename} is invalid (positions.ignore_invalid_yaml: true starts afresh): ${(err as Error).message}`);
      this.at.clear();
    }
  }

  get(path: string): Position | undefined {
    return this.at.get(path);
  }

  set(path: string, offset: number, inode: number): void {
    this.at.set(path, { offset, inode });
    this.dirty = true;
  }

  remove(path: string): void {
    this.dirty = this.at.delete(path) || this.dirty;
  }

  start(): void {
    this.timer = setInterval(() => void this.save(), this.syncPeriodMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.save();
  }

  /** Writes the file if anything changed; one write at a time. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await this.write();
      } catch (err) {
        this.dirty = true;
        this.onError(err as Error);
      }
    });
    return this.saving;
  }

  private async write(): Promise<void> {
    const positions: Record<string, string> = {};
    const inodes: Record<string, string> = {};
    for (const [path, p] of this.at) {
      positions[path] = String(p.offset);
      if (p.inode !== undefined) inodes[path] = String(p.inode);
    }
    const tmp = `${this.filename}.tmp`;
    const f = await open(tmp, 'w');
    try {
      await f.writeFile(stringify({ positions, inodes }));
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, this.filename);
    const d = await open(dirname(this.filename), 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
