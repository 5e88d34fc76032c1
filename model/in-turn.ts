// Runs async work one piece at a time, in the order asked: a piece starts when the one before has
// settled, whether it succeeded or failed (lease writes of one partition, Brotli blocks of a process).
export class InTurn {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.last.then(work, work);
    this.last = next.catch(() => undefined);
    return next;
  }
}
