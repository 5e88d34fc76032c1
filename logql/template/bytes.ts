// Go strings are bytes: sprig's trunc and substr, slice and b64dec cut or build them without minding characters.
// A cut through a character leaves bytes that are not UTF-8; Loki's JSON shows each such byte as U+FFFD,
// so that is what they become here.
import { isUtf8 } from 'node:buffer';

export function goString(b: Buffer): string {
  if (isUtf8(b)) return b.toString('utf8');
  let out = '';
  let i = 0;
  while (i < b.length) {
    const n = validAt(b, i);
    if (n === 0) { out += '\ufffd'; i++; continue; }
    out += b.toString('utf8', i, i + n);
    i += n;
  }
  return out;
}

// Length of the valid UTF-8 sequence at i, or 0: Go's utf8.DecodeRune rules (no overlongs, surrogates or > U+10FFFF).
function validAt(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** s[lo:hi] in bytes, as Go slices a string. */
export const byteSlice = (s: string, lo: number, hi?: number): string => goString(Buffer.from(s, 'utf8').subarray(lo, hi));
