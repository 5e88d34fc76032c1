// A real S3 API for tests: s3rver on 127.0.0.1, a random port, its own directory and bucket,
// closed and deleted in teardown.
import type { ExecutionContext } from 'ava';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import type { StorageConfig } from '../../storage/object-store.ts';
import { tempDir } from './node.ts';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** Flags that point a node's storage at this server. */
  flags: Record<string, string>;
  /** The same, as storage_config.aws for code that opens a store directly. */
  aws: StorageConfig['aws'];
}

export async function startS3(t: ExecutionContext, bucket = 'muninn-test'): Promise<S3Server> {
  const directory = await tempDir(t, 'muninn-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = (await server.run()) as { address: string; port: number };
  t.teardown(() => server.close());
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    aws: { endpoint, bucketnames: bucket, region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', s3forcepathstyle: true },
    flags: {
      'storage_config.object_store': 's3',
      'storage_config.aws.endpoint': endpoint,
      'storage_config.aws.bucketnames': bucket,
      'storage_config.aws.region': 'us-east-1',
      'storage_config.aws.access_key_id': 'S3RVER',
      'storage_config.aws.secret_access_key': 'S3RVER',
      'storage_config.aws.s3forcepathstyle': 'true',
    },
  };
}
