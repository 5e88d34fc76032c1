// Zstandard blocks (codec 3): a stream's head fills LZ4 blocks, cheap to write and to read while
// the chunk is in memory; at flush time, when the chunk is written once and read many times from
// the store, its blocks are compressed again with Zstandard. On the shared load generator's
// lines, at level 6: 5.3x line bytes per stored byte (Brotli at quality 4: 5.1x, LZ4: 3.1x,
// Loki's gzip chunks: 4.75x), about 130 MB/s per thread to compress (Brotli's cost) and 1.4 GB/s
// to decode (twice Brotli's speed): a full scan is mostly decoding. Level 5 stores 5% more,
// level 3 11% more, which would lose the comparison with gzip.
import { Worker } from 'node:worker_threads';
import { zstdInto } from '../../model/zstd.ts';
import { crc32 } from './crc32.ts';
import type { EncodedBlock } from './encode.ts';

const LEVEL = 6;

/**
 * The library compresses on the calling thread, and a node's event loop has pushes to serve: so
 * each process compresses in one thread of its own, started at its first flush (as Brotli runs
 * in one of libuv's threads at a time). One thread keeps up with what a node ingests.
 */
class CompressorThread {
  private readonly worker = new Worker(new URL('./zstd-thread.mjs', import.meta.url), { workerData: { level: LEVEL } });
  private readonly waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private next = 0;

  constructor() {
    // an idle thread keeps no process alive
    this.worker.unref();
    this.worker.on('message', (m: { id: number; stored?: Uint8Array; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (m.stored) w?.resolve(Buffer.from(m.stored.buffer, m.stored.byteOffset, m.stored.byteLength));
      else w?.reject(new Error(`zstd: ${m.error}`));
    });
    const fail = (err: Error) => {
      if (thread === this) thread = undefined;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the zstd thread exited with ${code}`)));
  }

  compress(lz4: Buffer): Promise<Buffer> {
    const id = this.next++;
    // a copy of its own: the stream keeps its block until the chunk is written
    const copy = new Uint8Array(lz4);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, lz4: copy }, [copy.buffer]);
    });
  }
}

let thread: CompressorThread | undefined;

/** The same blocks, LZ4 (the head's codec) compressed again with Zstandard, off the event loop. */
export async function toZstd(blocks: readonly EncodedBlock[]): Promise<EncodedBlock[]> {
  const t = (thread ??= new CompressorThread());
  return Promise.all(
    blocks.map(async (b) => {
      const stored = await t.compress(b.stored);
      return { ...b, stored, crc: crc32(stored) };
    }),
  );
}

/** A block's raw bytes, decoded into a buffer of `rawLength` (the block index's word): a frame that says more fails, never allocates. */
export function fromZstd(stored: Buffer, rawLength: number): Buffer {
  const raw = Buffer.allocUnsafe(rawLength);
  return raw.subarray(0, zstdInto(raw, stored));
}
