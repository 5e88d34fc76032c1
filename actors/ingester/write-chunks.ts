// Makes cut chunks durable: encode, put each in the object store, then index them all in one
// write. When this resolves every chunk and its index rows are durable; a failure leaves the
// chunks with their streams, to be written again next round (a chunk's key is its content, so
// a second put of the same chunk writes the same object).
import type { ChunkRef, IndexWriter, ObjectStore } from '../../storage/index.ts';
import { chunkKey, encodeChunk, type ChunkMeta } from '../../storage/index.ts';
import type { FlushReason } from './flush.ts';
import type { CutChunk, StreamActor } from './stream.ts';

export interface FlushItem {
  stream: StreamActor;
  chunk: CutChunk;
  reason: FlushReason;
}

export async function writeChunks(
  items: FlushItem[],
  store: ObjectStore,
  index: IndexWriter,
  opts: { chunk_block_size: number; concurrent_flushes: number },
): Promise<void> {
  const refs: ChunkRef[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const { stream, chunk } = items[next++];
      const meta: ChunkMeta = { tenant: stream.tenant, fingerprint: stream.fp, labels: stream.labels, maxSeq: chunk.maxSeq };
      const { buf, checksum } = encodeChunk(meta, chunk.batch, opts.chunk_block_size);
      const n = chunk.batch.ts.length;
      const from = chunk.batch.ts[0];
      const through = chunk.batch.ts[n - 1];
      const key = chunkKey(meta, from, through, checksum);
      await store.put(key, buf);
      refs.push({ tenant: stream.tenant, fingerprint: stream.fp, labels: stream.labels, key, from, through, entries: n, bytes: buf.length, maxSeq: chunk.maxSeq });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrent_flushes, items.length) }, worker));
  await index.addChunks(refs);
}
