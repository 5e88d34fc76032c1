// The object-store interface every backend implements, and the key rules they all enforce.

export interface ObjectInfo {
  key: string;
  size: number;
  /** Changes whenever the object's content may have changed. */
  etag: string;
  modified: Date;
}

export interface ObjectStore {
  /** Durable when it resolves (filesystem: temp file, fsync, rename, fsync of the directory). */
  put(key: string, data: Buffer): Promise<void>;
  /** Throws ObjectNotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  /** Up to `length` bytes from `offset`; shorter (or empty) past the end; ObjectNotFoundError when absent. */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Every key under prefix (recursive), sorted. With a limit, at most that many: the first the
   * backend comes to (S3: in key order), so a caller can bound the cost of a huge listing.
   */
  list(prefix: string, opts?: ListOptions): Promise<ObjectInfo[]>;
  /** Absent is not an error. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface ListOptions {
  limit?: number;
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
  constructor(readonly key: string, opts?: ErrorOptions) {
    super(`object ${key} not found`, opts);
  }
}

export class BadKeyError extends Error {
  override name = 'BadKeyError';
}

/**
 * A key must stay inside its prefix: no `..` or `.` segment, no empty segment, no leading `/`,
 * no NUL. A list prefix may be empty or end with `/`.
 */
export function checkKey(key: string, isPrefix = false): string {
  if (isPrefix && key === '') return key;
  const segments = key.split('/');
  const last = segments.length - 1;
  const bad =
    key.includes('\0') ||
    segments.some((s, i) => s === '..' || s === '.' || (s === '' && !(isPrefix && i === last && i > 0)));
  if (bad) throw new BadKeyError(`invalid object key ${JSON.stringify(key)}`);
  return key;
}

/** A tenant id or other single key segment: it must not be able to name another prefix. */
export function checkSegment(what: string, s: string): string {
  if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0'))
    throw new BadKeyError(`invalid ${what} ${JSON.stringify(s)}: it must be one key segment`);
  return s;
}

export const byKey = (a: ObjectInfo, b: ObjectInfo): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Offset and length of a range read must be whole non-negative numbers. */
export function checkRange(key: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0)
    throw new RangeError(`bad range ${offset}+${length} of object ${key}`);
}
