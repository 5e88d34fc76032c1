// Multi-process clusters for failover tests: each Muninn process in a directory of its own, the
// object store an s3rver (nothing shared on disk), and a way to watch partition leases settle.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { Leases, connectBus, leaseOf, type Lease } from '../../bus/index.ts';
import { spawnNode, tempDir, type ChildNode } from './node.ts';
import type { S3Server } from './s3.ts';

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

/** The partitions' leases as the bucket holds them now. */
export async function leasesNow(natsUrl: string, ttlMs: number): Promise<Map<number, Lease>> {
  const nc = await connectBus(natsUrl, 'test-leases');
  try {
    const view = (await Leases.open(nc, { ttlMs, replicas: 1 })).view();
    await view.relist();
    const out = new Map<number, Lease>();
    for (const e of view.current().values()) {
      const l = leaseOf(e.key, e.value, e.revision, e.created);
      if (l) out.set(l.partition, l);
    }
    return out;
  } finally {
    await nc.close();
  }
}

/**
 * Waits until every one of `partitions` has a ready owner and the owners are exactly `owners`;
 * resolves with the milliseconds it took (the recovery time a test reports).
 */
export async function settled(natsUrl: string, ttlMs: number, partitions: number, owners: string[], timeoutMs = 90_000): Promise<number> {
  const began = Date.now();
  const want = [...owners].sort().join(',');
  let last = '';
  while (Date.now() - began < timeoutMs) {
    const leases = await leasesNow(natsUrl, ttlMs);
    const ready = [...leases.values()].filter((l) => l.ready).length;
    const have = [...new Set([...leases.values()].map((l) => l.owner))].sort().join(',');
    last = `${leases.size} leased, ${ready} ready, owners ${have}`;
    if (leases.size === partitions && ready === partitions && have === want) return Date.now() - began;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`partitions did not settle on ${want} within ${timeoutMs} ms: ${last}`);
}
