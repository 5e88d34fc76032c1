// The S3 object store, through @aws-sdk/client-s3: AWS, MinIO, or any S3 API.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  type ListObjectsCommandOutput,
} from '@aws-sdk/client-s3';
import {
  byKey,
  checkKey,
  checkRange,
  ObjectNotFoundError,
  type ListOptions,
  type ObjectInfo,
  type ObjectStore,
  type StorageConfig,
} from './object-store.ts';

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export class S3Store implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  /** `listPageSize` caps keys per list request (S3's own cap is 1000). */
  constructor(cfg: StorageConfig['aws'], private readonly opts: { listPageSize?: number } = {}) {
    // Loki allows a comma-separated list of buckets; Muninn writes to the first
    const bucket = (cfg.bucketnames ?? '').split(',')[0].trim();
    if (!bucket) throw new Error('storage_config.aws.bucketnames is required for the s3 object store');
    this.bucket = bucket;
    this.client = new S3Client({
      region: cfg.region || 'us-east-1',
      endpoint: cfg.endpoint || undefined,
      forcePathStyle: cfg.s3forcepathstyle,
      // without keys in the config, the SDK's default chain (environment, profile, instance role)
      credentials: cfg.access_key_id ? { accessKeyId: cfg.access_key_id, secretAccessKey: cfg.secret_access_key ?? '' } : undefined,
    });
  }

  async put(key: string, data: Buffer): Promise<void> {
    // S3 acknowledges a PUT only once the object is stored durably
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: checkKey(key), Body: data, ContentLength: data.length }));
  }

  private async fetch(key: string, range?: string): Promise<Buffer> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkKey(key), Range: range }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      const e = err as SdkError;
      if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) throw new ObjectNotFoundError(key, { cause: err });
      // a range past the end is empty, as on the filesystem
      if (range && (e.name === 'InvalidRange' || e.$metadata?.httpStatusCode === 416)) return Buffer.alloc(0);
      throw err;
    }
  }

  get(key: string): Promise<Buffer> {
    return this.fetch(key);
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    checkRange(key, offset, length);
    if (length === 0) {
      await this.fetch(key, 'bytes=0-0'); // still says whether the object exists
      return Buffer.alloc(0);
    }
    return this.fetch(key, `bytes=${offset}-${offset + length - 1}`);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ObjectInfo[]> {
    checkKey(prefix, true);
    const limit = opts.limit ?? Infinity;
    const out: ObjectInfo[] = [];
    // ListObjects (v1) with Marker = the last key seen: every S3 API pages it the same way, while
    // s3rver's v2 continuation tokens need DES, which OpenSSL 3 no longer offers
    let after: string | undefined;
    for (;;) {
      const page: ListObjectsCommandOutput = await this.client.send(
        new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix || undefined, Marker: after, MaxKeys: this.opts.listPageSize }),
      );
      const contents = page.Contents ?? [];
      for (const o of contents)
        if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, etag: o.ETag ?? '', modified: o.LastModified ?? new Date(0) });
      const last = contents[contents.length - 1]?.Key;
      if (out.length >= limit) return out.slice(0, limit).sort(byKey);
      if (!page.IsTruncated || !last || last === after) break;
      after = last;
    }
    return out.sort(byKey);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
