// A query's deadline, looked at every so much work: Date.now() per line or sample would cost more
// than the work it guards, while a few hundred lines past the deadline are still well under a second.
import { QueryTimeoutError } from '../errors.ts';

/** Units of work (lines, steps of a series, template iterations) between two looks at the clock. */
export const CHECK_EVERY = 256;
/**
 * Work a sub-query does before it lets the others on its thread run: a querier thread runs a few
 * sub-queries at once, and one long evaluation must not hold a quick one until its deadline.
 */
const SLICE_MS = 20;

export class Deadline {
  // the first tick looks, so a deadline already past stops a loop before any work
  private left = 1;

  /** `at`: epoch ms as Date.now() counts, or undefined for no deadline. */
  constructor(private readonly at: number | undefined) {}

  /** Counts `n` units of work; throws QueryTimeoutError when a look at the clock finds the deadline past. */
  tick(n = 1): void {
    if ((this.left -= n) > 0) return;
    this.left = CHECK_EVERY;
    this.check();
  }

  /** Throws QueryTimeoutError when past the deadline; for loops whose every step is long. */
  check(): void {
    if (this.at !== undefined && Date.now() > this.at) throw new QueryTimeoutError();
  }

  private sliceFrom = performance.now();
  private paceLeft = 1;

  /**
   * Counts `n` units of work (a step, or a whole batch: CHECK_EVERY); every CHECK_EVERY units it
   * checks the deadline, and once a slice of work has been done gives a promise to await, which
   * lets the thread's other work run first. Undefined otherwise: awaiting nothing costs nothing in
   * a tight loop, and the clock is not read per step.
   */
  pace(n = 1): Promise<void> | undefined {
    if ((this.paceLeft -= n) > 0) return undefined;
    this.paceLeft = CHECK_EVERY;
    this.check();
    if (performance.now() - this.sliceFrom < SLICE_MS) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.sliceFrom = performance.now();
        resolve();
      }),
    );
  }
}
