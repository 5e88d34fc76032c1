// Fetches chunks in the order they will be read, a few at a time and a bounded amount ahead of the
// reader, so fetching overlaps evaluation without holding a sub-query's data; a chunk the reader
// will no longer want (past a limited query's bound) is not fetched at all.
import type { ChunkRef } from '../../storage/index.ts';

const FETCH_CONCURRENCY = 16;
/** Chunks, and their compressed bytes, fetched ahead of the one being read. */
const FETCH_AHEAD_CHUNKS = 16;
const FETCH_AHEAD_BYTES = 64 * 1024 * 1024;

export class Prefetcher<T> {
  /** Per chunk: its fetch (undefined once taken) and the bytes it counts towards FETCH_AHEAD_BYTES. */
  private readonly pending: Array<{ fetched: Promise<T | undefined>; bytes: number } | undefined> = [];
  private started = 0;
  private taken = 0;
  private inFlight = 0;
  private ahead = 0;
  private closed = false;

  /**
   * `unwanted`: asked just before a chunk would be fetched; true leaves it out (next() gives
   * undefined). `aheadChunks`: how many chunks are fetched ahead of the reader.
   */
  constructor(
    private readonly refs: ChunkRef[],
    private readonly fetch: (r: ChunkRef) => Promise<T>,
    private readonly unwanted: (r: ChunkRef) => boolean = () => false,
    private readonly aheadChunks = FETCH_AHEAD_CHUNKS,
  ) {
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.started < this.refs.length && this.inFlight < FETCH_CONCURRENCY && (this.started === this.taken || (this.started - this.taken < this.aheadChunks && this.ahead < FETCH_AHEAD_BYTES))) {
      const ref = this.refs[this.started];
      if (this.unwanted(ref)) {
        this.pending[this.started++] = { fetched: Promise.resolve(undefined), bytes: 0 };
        continue;
      }
      this.inFlight++;
      this.ahead += ref.bytes;
      const fetched = this.fetch(ref).finally(() => {
        this.inFlight--;
        this.pump();
      });
      fetched.catch(() => undefined); // surfaced by next(); one never taken must not go unhandled
      this.pending[this.started++] = { fetched, bytes: ref.bytes };
    }
  }

  /** The next chunk in order, or undefined when it was left out. */
  async next(): Promise<T | undefined> {
    const i = this.taken++;
    this.pump();
    const { fetched, bytes } = this.pending[i]!;
    this.pending[i] = undefined;
    try {
      return await fetched;
    } finally {
      this.ahead -= bytes;
      this.pump();
    }
  }

  close(): void {
    this.closed = true;
  }
}
