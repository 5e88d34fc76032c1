// The positions file, in promtail's format (`positions: {<path>: "<offset>"}`) with each file's
// inode beside it (`inodes:`), so a restart knows whether the file at a path is still the one it
// was reading. Offsets are set only for acknowledged lines (acks.ts); the file is written every
// `sync_period` and on stop, durably (write, fsync, rename, fsync the directory).
// Beside them (`stamps:`), the read time given to each run of lines read past the offset and not
// yet acknowledged: written before any of those lines is sent (flushStamps), so that after a
// SIGKILL the lines read again carry the times they were sent with, and Muninn's queriers drop
// the copies a resend makes (same stream, time and line) instead of showing them twice.
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { ConfigError } from '../../config/index.ts';
import { isTree } from './config.ts';

/** Lines read from `start` to `end` (file offsets, whole lines) got the read times t0, t0+1, ... */
export interface Stamp {
  start: number;
  end: number;
  t0: bigint;
}

export interface Position {
  offset: number;
  /** Unknown for a file written by promtail. */
  inode?: number;
  /** Runs of lines past `offset` already stamped with read times, in file order. */
  stamps?: Stamp[];
}

export class Positions {
  private readonly at = new Map<string, Position>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  /** Runs stamped so far, and how many of them the file holds. */
  private stampsAdded = 0;
  private stampsWritten = 0;
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
      const stamps = isTree(t) && isTree(t.stamps) ? t.stamps : {};
      for (const [path, v] of Object.entries(positions)) {
        const offset = Number(v);
        if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad offset ${JSON.stringify(v)} for ${path}`);
        const inode = inodes[path] === undefined ? undefined : Number(inodes[path]);
        this.at.set(path, { offset, inode, stamps: stamps[path] === undefined ? undefined : parseStamps(String(stamps[path])) });
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
    const was = this.at.get(path);
    // runs now acknowledged are not needed again; another file's are not this one's
    const stamps = was?.inode === inode ? was.stamps?.filter((st) => st.end > offset) : undefined;
    this.at.set(path, { offset, inode, stamps: stamps?.length ? stamps : undefined });
    this.dirty = true;
  }

  /** Lines of `path` from `start` to `end` were given read times from `t0`; written by the next flushStamps. */
  stamp(path: string, inode: number, st: Stamp): void {
    const p = this.at.get(path);
    if (!p || p.inode !== inode) return; // set() comes first for every file read
    (p.stamps ??= []).push(st);
    this.dirty = true;
    this.stampsAdded++;
  }

  /** Writes the file now if a run of lines was stamped since it was last written: call before sending any of them. */
  async flushStamps(): Promise<void> {
    const need = this.stampsAdded;
    if (this.stampsWritten >= need) return;
    await this.save();
    if (this.stampsWritten < need) throw new Error(`cannot write the positions file ${this.filename}`);
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
      const upTo = this.stampsAdded;
      try {
        await this.write();
        this.stampsWritten = upTo;
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
    const stamps: Record<string, string> = {};
    for (const [path, p] of this.at) {
      positions[path] = String(p.offset);
      if (p.inode !== undefined) inodes[path] = String(p.inode);
      if (p.stamps?.length) stamps[path] = p.stamps.map((st) => `${st.start}-${st.end}@${st.t0}`).join(',');
    }
    const tmp = `${this.filename}.tmp`;
    const f = await open(tmp, 'w');
    try {
      await f.writeFile(stringify({ positions, inodes, stamps }));
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

/** `start-end@t0,...` as written above. */
function parseStamps(text: string): Stamp[] {
  return text.split(',').map((part) => {
    const m = /^(\d+)-(\d+)@(\d+)$/.exec(part);
    if (!m) throw new Error(`bad stamp ${JSON.stringify(part)}`);
    return { start: Number(m[1]), end: Number(m[2]), t0: BigInt(m[3]) };
  });
}
