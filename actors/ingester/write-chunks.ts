// Makes cut chunks durable: lay out, put each in the object store, then index them all in one
// write. When this resolves every chunk and its index rows are durable; a failure leaves the
// chunks with their streams, to be written again next round (a chunk's key is its content, so
// a second put of the same chunk writes the same object).
import type { ChunkRef, IndexWriter, ObjectStore } from '../../storage/index.ts';
import { assembleStored, chunkKey, type ChunkMeta } from '../../storage/index.ts';
import type { ChunkEncoding } from '../../config/index.ts';
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
  opts: { concurrent_flushes: number; chunk_encoding: ChunkEncoding },
): Promise<void> {
  const refs: ChunkRef[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const { stream, chunk } = items[next++];
      const meta: ChunkMeta = { tenant: stream.tenant, fingerprint: stream.fp, labels: stream.labels, maxSeq: chunk.maxSeq };
      // the blocks were compressed (LZ4) as the head filled: laid out, or compressed again
      const { buf, checksum } = await assembleStored(meta, chunk.blocks, opts.chunk_encoding);
      const { from, through, entries, lineBytes } = chunk;
      const key = chunkKey(meta, from, through, checksum);
      await store.put(key, buf);
      refs.push({ tenant: stream.tenant, fingerprint: stream.fp, labels: stream.labels, key, from, through, entries, bytes: buf.length, rawBytes: lineBytes, maxSeq: chunk.maxSeq });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrent_flushes, items.length) }, worker));
  await index.addChunks(refs);
}
