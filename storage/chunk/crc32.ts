// CRC-32 (IEEE) of a byte range, continuing from `prev`: node's native zlib.crc32 where it
// exists (Node >= 20.15), else a table; Node 20.0 is the floor.
import * as zlib from 'node:zlib';

type Crc = (data: Uint8Array, prev?: number) => number;
const native = (zlib as unknown as { crc32?: Crc }).crc32;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const table: Crc = (data, prev = 0) => {
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

const impl: Crc = native ?? table;

export const crc32 = (buf: Uint8Array, start = 0, end = buf.length, prev = 0): number =>
  impl(start === 0 && end === buf.length ? buf : buf.subarray(start, end), prev) >>> 0;

/** The table form, exported so a test can hold it to the native one. */
export const crc32Table = (buf: Uint8Array, prev = 0): number => table(buf, prev);
