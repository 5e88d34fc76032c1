// A stream's fingerprint as every part carries it: 16 lower-case hex digits, 64 bits (the
// distributor computes it, actors/distributor/fingerprint.ts); chunk keys and the index hold it.
const FINGERPRINT = /^[0-9a-f]{16}$/;

export const isFingerprint = (s: string): boolean => FINGERPRINT.test(s);

/** Throws unless `fp` is a fingerprint: what is written to the store must be one. */
export function checkFingerprint(fp: string): void {
  if (!isFingerprint(fp)) throw new Error(`fingerprint ${JSON.stringify(fp)} is not 16 lower-case hex digits`);
}
