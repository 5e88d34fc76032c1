// Configuration: defaults, loading, and the duration helper roles use to read it.
export { defaults, CHUNK_ENCODINGS, DELETION_MODES, type ChunkEncoding, type Config, type DeletionMode } from './defaults.ts';
export { loadConfig, durationMs, ConfigError } from './load.ts';
export { parseRuntimeConfig, RuntimeConfig, TENANT_LIMIT_KEYS } from './runtime.ts';
