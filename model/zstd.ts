// Zstandard on the calling thread with one context of each kind per thread: making a context
// costs more than compressing a small message. Used for ingest-log messages (bus) and for reading
// stored blocks (storage); flushed blocks are compressed in a thread of their own (zstd-thread.mjs).
import zstd from 'zstd-napi/binding.js';

let cctx: zstd.CCtx | undefined;
let dctx: zstd.DCtx | undefined;
/** The bound of the largest input so far, reused: callers copy the frame out before the next call. */
let scratch = Buffer.alloc(0);

/** `src` as one frame at `level`: a view of this thread's scratch, valid until the next call. */
export function zstdFrame(src: Uint8Array, level: number): Buffer {
  cctx ??= new zstd.CCtx();
  const bound = zstd.compressBound(src.byteLength);
  if (scratch.length < bound) scratch = Buffer.allocUnsafeSlow(Math.max(bound, scratch.length * 2));
  return scratch.subarray(0, cctx.compress(scratch, src, level));
}

/** Decodes `frame` into `dest`, returning the bytes written: a frame that holds more than `dest` fails, never allocates. */
export function zstdInto(dest: Uint8Array, frame: Uint8Array): number {
  dctx ??= new zstd.DCtx();
  return dctx.decompress(dest, frame);
}
