// What the roles use of storage: object stores, the chunk format, the index.
export { type ObjectStore, type ObjectInfo, type StorageConfig, ObjectNotFoundError, BadKeyError } from './object-store.ts';
export { openObjectStore } from './open-store.ts';
export { encodeChunk, chunkKey, type ChunkMeta, type EncodedChunk, Codec } from './chunk/encode.ts';
export { decodeChunk, ChunkCorruptError, type ChunkReader } from './chunk/decode.ts';
export { IndexWriter } from './index/writer.ts';
export { IndexReader } from './index/reader.ts';
export { type ChunkRef, dayOf, daysOf } from './index/schema.ts';
