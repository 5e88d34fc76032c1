// Makes cut chunks durable: lay out, put each in the object store, then index them all in one
// write. When this resolves every chunk and its index rows are durable; a failure leaves the
// chunks with their streams, to be written again next round (a chunk's key is its content, so
// a second put of the same chunk writes the same object).
import type { ChunkRef, IndexWriter, ObjectStore } from '../../storage/index.ts';
import { assembleChunk, chunkKey, Codec, toBrotli, toZstd, type ChunkMeta, type EncodedBlock } from '../../storage/index.ts';
import type { ChunkEncoding } from '../../config/index.ts';
import type { FlushReason } from './flush.ts';
import type { CutChunk, StreamActor } from './stream.ts';

export interface FlushItem {
  stream: StreamActor;
  chunk: CutChunk;
  reason: FlushReason;
}

/** The blocks were compressed (LZ4) as the head filled: lay them out, or compress them again. */
async function assemble(meta: ChunkMeta, blocks: EncodedBlock[], encoding: ChunkEncoding) {
  if (encoding === 'zstd') return assembleChunk(meta, await toZstd(blocks), Codec.zstd);
  if (encoding === 'brotli') return assembleChunk(meta, await toBrotli(blocks), Codec.brotli);
  return assembleChunk(meta, blocks);
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
      const { buf, checksum } = await assemble(meta, chunk.blocks, opts.chunk_encoding);
      const { from, through, entries, lineBytes } = chunk;
      const key = chunkKey(meta, from, through, checksum);
      await store.put(key, buf);
      refs.push({ tenant: stream.tenant, fingerprint: stream.fp, labels: stream.labels, key, from, through, entries, bytes: buf.length, rawBytes: lineBytes, maxSeq: chunk.maxSeq });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrent_flushes, items.length) }, worker));
  await index.addChunks(refs);
}
