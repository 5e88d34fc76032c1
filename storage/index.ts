// What the roles use of storage: object stores, the chunk format, the index.
export {
  type ObjectStore,
  type ObjectInfo,
  type ListOptions,
  type StorageConfig,
  ObjectNotFoundError,
  BadKeyError,
  checkSegment,
} from './object-store.ts';
export { openObjectStore } from './open-store.ts';
export {
  encodeChunk,
  encodeBlock,
  encodeBlocks,
  assembleChunk,
  entrySize,
  chunkKey,
  type ChunkMeta,
  type EncodedChunk,
  type EncodedBlock,
  Codec,
  DEFAULT_BLOCK_SIZE,
} from './chunk/encode.ts';
export { toBrotli } from './chunk/brotli.ts';
export { toZstd } from './chunk/zstd.ts';
export { assembleStored } from './chunk/stored.ts';
export { decodeChunk, openChunk, decodeBlock, lineBytes, ChunkCorruptError, type BlockInfo, type ChunkReader } from './chunk/decode.ts';
export { IndexWriter } from './index/writer.ts';
export { IndexReader, INDEX_CACHE_MAX_BYTES } from './index/reader.ts';
export { ChunksTable } from './index/chunks-table.ts';
export { compactDay, indexDays, type CompactResult, type DayEdit } from './index/compact.ts';
export { type ChunkRef } from './index/schema.ts';
export { dayOf, daysOf } from './index/days.ts';
