// A stream's hash as Loki computes it (Prometheus' labels.Hash: XXH64 of `name\xffvalue\xff`...
// over the sorted labels). Loki orders entries of different streams at the same nanosecond by it,
// so a limit that cuts between them keeps the same entries here. Computed once per stream.
import type { Labels } from './labels.ts';

const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & MASK;
const round = (acc: bigint, input: bigint) => (rotl((acc + input * P2) & MASK, 31n) * P1) & MASK;
const merge = (acc: bigint, v: bigint) => (((acc ^ round(0n, v)) * P1) + P4) & MASK;

/** XXH64 with seed 0, as github.com/cespare/xxhash computes it. */
export function xxh64(b: Buffer): bigint {
  const n = b.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & MASK;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (-P1) & MASK;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, b.readBigUInt64LE(i));
      v2 = round(v2, b.readBigUInt64LE(i + 8));
      v3 = round(v3, b.readBigUInt64LE(i + 16));
      v4 = round(v4, b.readBigUInt64LE(i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else h = P5;
  h = (h + BigInt(n)) & MASK;
  for (; i + 8 <= n; i += 8) h = ((rotl(h ^ round(0n, b.readBigUInt64LE(i)), 27n) * P1) + P4) & MASK;
  if (i + 4 <= n) {
    h = ((rotl(h ^ ((BigInt(b.readUInt32LE(i)) * P1) & MASK), 23n) * P2) + P3) & MASK;
    i += 4;
  }
  for (; i < n; i++) h = (rotl(h ^ ((BigInt(b[i]) * P5) & MASK), 11n) * P1) & MASK;
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}

const SEP = Buffer.from([0xff]);

/** labels.Hash() of a stream's labels (sorted by name). */
export function streamHash(labels: Labels): bigint {
  const parts: Buffer[] = [];
  for (const [name, value] of labels) parts.push(Buffer.from(name, 'utf8'), SEP, Buffer.from(value, 'utf8'), SEP);
  return xxh64(Buffer.concat(parts));
}
