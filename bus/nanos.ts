// JetStream's API takes durations in nanoseconds; configuration speaks milliseconds.
export const nanos = (ms: number): number => ms * 1_000_000;
