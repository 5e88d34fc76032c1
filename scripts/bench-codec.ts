// The compression row of `npm run bench`: the flushed corpus's chunks read back on one core (MB/s
// of lines decoded), beside the baseline of the same lines as gzip (Loki's default chunk codec)
// compressed and decoded in the same process.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeChunk } from '../storage/index.ts';

export interface CodecFigures {
  /** The chunks' codec byte (1 lz4, 2 brotli, 3 zstd) and what was sampled. */
  codec: number;
  chunks: number;
  lineBytes: number;
  storedBytes: number;
  /** Line bytes per stored byte of the blocks, and line bytes decoded per second (MB/s): as Loki's figures count. */
  ratio: number;
  decodeMBps: number;
  gzipRatio: number;
  gunzipMBps: number;
}

/** Chunks sampled: enough for a steady figure, few enough to take seconds. */
const SAMPLE_BYTES = 128 << 20;

function chunkFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) chunkFiles(p, out);
    else if (p.includes('/chunks/')) out.push(p);
  }
  return out;
}

export function benchCodec(storeDir: string): CodecFigures {
  const bufs: Buffer[] = [];
  let stored = 0;
  for (const f of chunkFiles(storeDir)) {
    if (stored >= SAMPLE_BYTES) break;
    const b = readFileSync(f);
    bufs.push(b);
    stored += b.length;
  }
  if (!bufs.length) throw new Error(`no chunks under ${storeDir}`);
  const lines: Buffer[] = [];
  let blockBytes = 0;
  const began = performance.now();
  for (const [i, buf] of bufs.entries()) {
    const c = decodeChunk(String(i), buf);
    for (let b = 0; b < c.blocks.length; b++) {
      const batch = c.readBlock(b);
      lines.push(batch.lines);
      blockBytes += c.blocks[b].length;
    }
  }
  const decodeSeconds = (performance.now() - began) / 1000;
  const gz = lines.map((l) => gzipSync(l));
  const gzBegan = performance.now();
  for (const g of gz) gunzipSync(g);
  const gunzipSeconds = (performance.now() - gzBegan) / 1000;
  const lineBytes = lines.reduce((n, l) => n + l.length, 0);
  return {
    codec: bufs[0][5],
    chunks: bufs.length,
    lineBytes,
    storedBytes: blockBytes,
    ratio: +(lineBytes / blockBytes).toFixed(2),
    decodeMBps: Math.round(lineBytes / 1e6 / decodeSeconds),
    gzipRatio: +(lineBytes / gz.reduce((n, g) => n + g.length, 0)).toFixed(2),
    gunzipMBps: Math.round(lineBytes / 1e6 / gunzipSeconds),
  };
}
