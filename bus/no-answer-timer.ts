// A timer for "no answer came" that a busy thread does not set off by itself. Timers run before a
// turn's socket reads, so a thread held up (a flush, a query on the same thread, a CPU shared with
// other processes) past a deadline would take an answer that came in time, still unread, for none:
// a pull for "lost" and its consumer made again, a task for never delivered. This one fires only
// once the thread has run on time and has read what was waiting.

/** A timer that fired this much after its due time found the thread busy: it waits once more. */
const LATE_MS = 200;
/** How long it waits once more. */
const AGAIN_MS = 1000;

/** Calls `fn` after `ms` unless cancelled; returns the cancel. */
export function noAnswerAfter(ms: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const arm = (wait: number) => {
    const due = Date.now() + wait;
    timer = setTimeout(() => {
      if (Date.now() - due > LATE_MS) arm(AGAIN_MS);
      else immediate = setImmediate(fn); // after this turn's socket reads
    }, wait);
  };
  arm(ms);
  return () => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}
