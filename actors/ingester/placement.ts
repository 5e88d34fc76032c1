// Which ingester should own each partition: rendezvous (highest random weight) hashing over the
// live ingesters, so every ingester computes the same answer from the same membership without a
// coordinator, and an ingester joining or leaving moves only the partitions it gains or had.
import { createHash } from 'node:crypto';

/** The weight of `owner` for `partition`: the first 48 bits of a hash of both. */
function weight(partition: number, owner: string): number {
  return createHash('sha1').update(`${partition}\0${owner}`).digest().readUIntBE(0, 6);
}

/** The desired owner of `partition` among `owners` (ids; order does not matter), or undefined when there is none. */
export function desiredOwner(partition: number, owners: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const o of owners) {
    const w = weight(partition, o);
    // ties (never in practice) go to the smaller id, so everyone still agrees
    if (w > bestWeight || (w === bestWeight && best !== undefined && o < best)) {
      best = o;
      bestWeight = w;
    }
  }
  return best;
}

/** The partitions of `0..partitions-1` whose desired owner is `me`. */
export function shareOf(me: string, owners: readonly string[], partitions: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < partitions; p++) if (desiredOwner(p, owners) === me) out.push(p);
  return out;
}
