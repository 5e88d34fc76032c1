// The object-store interface every backend implements, and the key rules they all enforce.

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  modified: Date;
}

export interface ObjectStore {
  /** Durable when it resolves. */
  put(key: string, data: Buffer): Promise<void>;
  /** Throws ObjectNotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  /** Every key under prefix (recursive), sorted. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Absent is not an error. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface StorageConfig {
  object_store: 'filesystem' | 's3';
  filesystem: { directory: string };
  aws: {
    endpoint?: string;
    bucketnames: string;
    region: string;
    access_key_id?: string;
    secret_access_key?: string;
    s3forcepathstyle: boolean;
  };
}

export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError';
  constructor(readonly key: string) {
    super(`object ${key} not found`);
  }
}

export class BadKeyError extends Error {
  override name = 'BadKeyError';
}

/** A key must stay inside its prefix: no `..`, no empty segment, no leading `/`. */
export function checkKey(key: string, allowEmpty = false): string {
  if (allowEmpty && key === '') return key;
  const segments = key.split('/');
  const last = segments.length - 1;
  if (key.startsWith('/') || segments.some((s, i) => s === '..' || s === '.' || (s === '' && !(allowEmpty && i === last))) || key.includes('\0'))
    throw new BadKeyError(`invalid object key ${JSON.stringify(key)}`);
  return key;
}
