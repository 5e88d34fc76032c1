// Multi-process clusters for failover tests: each Muninn process in a directory of its own, the
// object store an s3rver (nothing shared on disk), and a way to watch partition leases settle.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { unlimited } from './load.ts';
import { spawnNode, tempDir, type ChildNode } from './node.ts';
import type { S3Server } from './s3.ts';

// the lease watch is shared with the bench: scripts/partition-watch.ts
export { leasesNow, settled } from '../../scripts/partition-watch.ts';

/** A short lease TTL and few partitions, so failovers and hand-overs take seconds in a test. */
export const CLUSTER_TTL_MS = 3000;
export const CLUSTER_PARTITIONS = 8;
export const clusterFlags = {
  ...unlimited,
  'distributor.partitions': String(CLUSTER_PARTITIONS),
  'ingester.lease_ttl': `${CLUSTER_TTL_MS}ms`,
};

export interface ClusterProcess extends ChildNode {
  id: string;
  dataDir: string;
}

/** Starts `muninn start --target=<target>` in a new directory, the object store on `s3`. */
export async function startProcess(t: ExecutionContext, natsUrl: string, s3: S3Server, target: string, flags: Record<string, string> = {}): Promise<ClusterProcess> {
  const dataDir = await tempDir(t);
  const node = await spawnNode(t, natsUrl, dataDir, { ...s3.flags, target, ...flags });
  const id = (await readFile(join(dataDir, 'node-id'), 'utf8')).trim();
  return { ...node, id, dataDir };
}
