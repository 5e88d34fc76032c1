// Timestamps are bigint nanoseconds since the epoch, as in Loki; clocks and configuration speak
// milliseconds. (JetStream's API takes number nanoseconds: bus/nanos.ts.)
const NS_PER_MS = 1_000_000n;

/** Whole milliseconds (Date.now(), a Date's time, a configured duration) as nanoseconds. */
export const msToNs = (ms: number): bigint => BigInt(ms) * NS_PER_MS;
