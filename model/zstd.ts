// Zstandard on the calling thread with one context of each kind per thread: making a context
// costs more than compressing a small message. Used for ingest-log messages (bus) and for reading
// stored blocks (storage); flushed blocks are compressed in a thread of their own (zstd-thread.mjs).
import zstd from 'zstd-napi/binding.js';
import { Scratch } from './scratch.ts';

let cctx: zstd.CCtx | undefined;
let dctx: zstd.DCtx | undefined;
/** Room for the bound of the largest input so far: callers copy the frame out before the next call. */
const frames = new Scratch();

/** `src` as one frame at `level`: a view of this thread's scratch, valid until the next call. */
export function zstdFrame(src: Uint8Array, level: number): Buffer {
  cctx ??= new zstd.CCtx();
  const out = frames.take(zstd.compressBound(src.byteLength));
  return out.subarray(0, cctx.compress(out, src, level));
}

/** Decodes `frame` into `dest`, returning the bytes written: a frame that holds more than `dest` fails, never allocates. */
export function zstdInto(dest: Uint8Array, frame: Uint8Array): number {
  dctx ??= new zstd.DCtx();
  return dctx.decompress(dest, frame);
}
