// A stream's identity across the cluster: a 64-bit hash of tenant and canonical labels (its
// partition and query shard are that hash modulo their counts: model/fingerprint.ts).
import crypto from 'node:crypto';
import { isFingerprint } from '../../model/fingerprint.ts';

/**
 * The first 8 bytes of sha256(tenant NUL labelsText), as 16 lowercase hex chars.
 * Partitions, chunk keys and the index depend on it: changing the algorithm
 * moves every stream, so it is fixed for a cluster's life. crypto.hash (one
 * call, no Hash object) measured ~0.6 µs per stream, twice createHash's speed.
 * `labelsText` must be the canonical form (sorted, `{a="b", c="d"}`).
 */
export function fingerprint(tenant: string, labelsText: string): string {
  return crypto.hash('sha256', tenant + '\u0000' + labelsText, 'hex').slice(0, 16);
}
