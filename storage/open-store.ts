// Picks the object-store backend the configuration names. The S3 client is loaded only when
// used: it takes most of a second to import, and every querier thread opens a store.
import { FilesystemStore } from './filesystem-store.ts';
import type { ObjectStore, StorageConfig } from './object-store.ts';

export async function openObjectStore(cfg: StorageConfig): Promise<ObjectStore> {
  switch (cfg.object_store) {
    case 'filesystem':
      return new FilesystemStore(cfg.filesystem.directory);
    case 's3':
      return new (await import('./s3-store.ts')).S3Store(cfg.aws);
    default:
      throw new Error(`unknown storage_config.object_store ${JSON.stringify(cfg.object_store)}: use filesystem or s3`);
  }
}
