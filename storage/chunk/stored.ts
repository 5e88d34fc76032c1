// A chunk laid out as the store keeps it, in ingester.chunk_encoding: its blocks are LZ4 (as a
// stream's head fills them, or as a rewrite encodes them) and are compressed again with
// Zstandard or Brotli when the chunk is written.
import { toBrotli } from './brotli.ts';
import { assembleChunk, Codec, type ChunkMeta, type EncodedBlock, type EncodedChunk } from './encode.ts';
import { toZstd } from './zstd.ts';

export async function assembleStored(meta: ChunkMeta, blocks: EncodedBlock[], encoding: 'lz4' | 'brotli' | 'zstd'): Promise<EncodedChunk> {
  if (encoding === 'zstd') return assembleChunk(meta, await toZstd(blocks), Codec.zstd);
  if (encoding === 'brotli') return assembleChunk(meta, await toBrotli(blocks), Codec.brotli);
  return assembleChunk(meta, blocks);
}
