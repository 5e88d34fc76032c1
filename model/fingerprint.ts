// A stream's fingerprint as every part carries it: 16 lower-case hex digits, 64 bits (the
// distributor computes it, actors/distributor/fingerprint.ts); chunk keys and the index hold it.
const FINGERPRINT = /^[0-9a-f]{16}$/;

export const isFingerprint = (s: string): boolean => FINGERPRINT.test(s);

/** Throws unless `fp` is a fingerprint: what is written to the store must be one. */
export function checkFingerprint(fp: string): void {
  if (!isFingerprint(fp)) throw new Error(`fingerprint ${JSON.stringify(fp)} is not 16 lower-case hex digits`);
}

const TWO_32 = 2 ** 32;

/** The 64-bit fingerprint mod `partitions`, computed in two 32-bit halves (exact for partitions ≤ 2^26). */
export function partitionOf(fingerprintHex: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 2 ** 26)
    throw new RangeError(`partitions must be an integer from 1 to 2^26, got ${partitions}`);
  if (!isFingerprint(fingerprintHex)) throw new RangeError(`not a fingerprint: ${JSON.stringify(fingerprintHex)}`);
  const hi = parseInt(fingerprintHex.slice(0, 8), 16);
  const lo = parseInt(fingerprintHex.slice(8), 16);
  return (((hi % partitions) * (TWO_32 % partitions)) % partitions + (lo % partitions)) % partitions;
}

/** One of `of` parts of a tenant's streams, by fingerprint, that a sub-query reads alone (query sharding). */
export interface Shard {
  index: number;
  of: number;
}

export const inShard = (fingerprintHex: string, shard: Shard | undefined): boolean => !shard || partitionOf(fingerprintHex, shard.of) === shard.index;
