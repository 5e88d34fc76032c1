// The thread that compresses a process's flushed blocks with Zstandard (see zstd.ts): each message
// is one LZ4 block, answered with its Zstandard frame. Plain JavaScript, so the thread starts
// without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { uncompressSync } from 'lz4-napi';
import zstd from 'zstd-napi/binding.js';

const cctx = new zstd.CCtx();
// the bound of the largest block so far, reused: the frame is copied out at its own size
let dst = Buffer.alloc(0);

parentPort.on('message', ({ id, lz4 }) => {
  try {
    const raw = uncompressSync(Buffer.from(lz4.buffer, lz4.byteOffset, lz4.byteLength));
    const bound = zstd.compressBound(raw.length);
    if (dst.length < bound) dst = Buffer.allocUnsafeSlow(bound);
    const n = cctx.compress(dst, raw, workerData.level);
    const stored = new Uint8Array(n);
    stored.set(dst.subarray(0, n));
    parentPort.postMessage({ id, stored }, [stored.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
