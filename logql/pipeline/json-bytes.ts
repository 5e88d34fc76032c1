// The bytes of JSON that both of Loki's JSON readers (jsonparser and json-iterator) look at.

export const SPACE = 0x20;
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const REPLACEMENT = '\ufffd';
/** What follows a backslash in a JSON string, and what it stands for. */
export const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
export const isJsonSpace = (c: number) => c === SPACE || c === LF || c === CR || c === TAB;

/** The code unit of a `\uXXXX` escape at `at`, or -1. */
export function hex4(b: Buffer, at: number, end: number): number {
  if (at + 6 > end || b[at] !== BACKSLASH || b[at + 1] !== 0x75) return -1;
  let r = 0;
  for (let i = at + 2; i < at + 6; i++) {
    const c = b[i];
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return -1;
    r = (r << 4) | d;
  }
  return r;
}
