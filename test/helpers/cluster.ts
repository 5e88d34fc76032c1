// Multi-process clusters for failover tests: each Muninn process in a directory of its own, the
// object store an s3rver (nothing shared on disk), and a way to watch partition leases settle.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { settled } from '../../scripts/partition-watch.ts';
import { unlimited } from './load.ts';
import { spawnNode, tempDir, type ChildNode } from './node.ts';
import type { S3Server } from './s3.ts';

// the lease watch is shared with the bench: scripts/partition-watch.ts
export { leasesNow } from '../../scripts/partition-watch.ts';

/**
 * A short lease TTL and few partitions, so failovers and hand-overs take seconds in a test; 16, not
 * fewer, so that rendezvous placement leaves none of two or three ingesters without a share
 * (with 8, one of three had none in about one run of ten).
 */
export const CLUSTER_TTL_MS = 3000;
export const CLUSTER_PARTITIONS = 16;
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

/**
 * Waits until every partition is held, ready, by the one of `owners` placement chooses (see
 * partition-watch.ts); when they never do, the test's log shows each owner's state and last lines.
 */
export async function settledOn(t: ExecutionContext, natsUrl: string, owners: ClusterProcess[]): Promise<number> {
  try {
    return await settled(natsUrl, CLUSTER_TTL_MS, CLUSTER_PARTITIONS, owners.map((o) => o.id));
  } catch (err) {
    for (const o of owners) {
      const state = o.child.exitCode !== null || o.child.signalCode !== null ? `exited (${o.child.signalCode ?? o.child.exitCode})` : 'running';
      const out = o.output();
      t.log(`${o.id}: ${state}; ${out.length} bytes logged, the last lines:\n${out.trim().split('\n').slice(-15).join('\n')}`);
    }
    throw err;
  }
}

