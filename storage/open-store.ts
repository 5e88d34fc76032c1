// Picks the object-store backend the configuration names.
import { FilesystemStore } from './filesystem-store.ts';
import type { ObjectStore, StorageConfig } from './object-store.ts';
import { S3Store } from './s3-store.ts';

export function openObjectStore(cfg: StorageConfig): ObjectStore {
  switch (cfg.object_store) {
    case 'filesystem':
      return new FilesystemStore(cfg.filesystem.directory);
    case 's3':
      return new S3Store(cfg.aws);
    default:
      throw new Error(`unknown storage_config.object_store ${JSON.stringify(cfg.object_store)}: use filesystem or s3`);
  }
}
