// A buffer reused from call to call, grown (at least doubling) when a call needs more: for bytes
// that live only until the next call, so a hot path allocates nothing per message.
export class Scratch {
  private buf = Buffer.alloc(0);

  /** `size` bytes, valid until the next take. */
  take(size: number): Buffer {
    if (this.buf.length < size) this.buf = Buffer.allocUnsafeSlow(Math.max(size, this.buf.length * 2));
    return this.buf.subarray(0, size);
  }
}
