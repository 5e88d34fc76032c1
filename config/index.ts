// Configuration: defaults, loading, and the duration helper roles use to read it.
export { defaults, CHUNK_ENCODINGS, type ChunkEncoding, type Config } from './defaults.ts';
export { loadConfig, durationMs, ConfigError } from './load.ts';
export { parseRuntimeConfig, RuntimeConfig, TENANT_LIMIT_KEYS } from './runtime.ts';
