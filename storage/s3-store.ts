// The S3 object store, through @aws-sdk/client-s3: AWS, MinIO, or any S3 API.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { checkKey, ObjectNotFoundError, type ObjectInfo, type ObjectStore, type StorageConfig } from './object-store.ts';

export class S3Store implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(cfg: StorageConfig['aws']) {
    if (!cfg.bucketnames) throw new Error('storage_config.aws.bucketnames is required for the s3 object store');
    this.bucket = cfg.bucketnames.split(',')[0].trim();
    this.client = new S3Client({
      region: cfg.region || 'us-east-1',
      endpoint: cfg.endpoint || undefined,
      forcePathStyle: cfg.s3forcepathstyle,
      credentials: cfg.access_key_id ? { accessKeyId: cfg.access_key_id, secretAccessKey: cfg.secret_access_key ?? '' } : undefined,
    });
  }

  async put(key: string, data: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: checkKey(key), Body: data }));
  }

  private async fetch(key: string, range?: string): Promise<Buffer> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkKey(key), Range: range }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  get(key: string): Promise<Buffer> {
    return this.fetch(key);
  }

  getRange(key: string, offset: number, length: number): Promise<Buffer> {
    return this.fetch(key, `bytes=${offset}-${offset + length - 1}`);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    checkKey(prefix, true);
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? [])
        out.push({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '', modified: o.LastModified ?? new Date(0) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
