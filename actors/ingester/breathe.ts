// Long synchronous work on the ingester's thread (cutting and encoding chunks for a flush round)
// gives the event loop a turn every few milliseconds, so pushes, acks and the ingest log's
// replies on the same thread are not held up behind a flush for seconds.
import { setImmediate as turn } from 'node:timers/promises';

const SLICE_MS = 10;

/** A function to await between units of work: it yields only once a slice has been used up. */
export function breather(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await turn();
    since = performance.now();
  };
}
