// Bus messages are msgpack with a version field, so a reader can refuse what it does not understand.
import { Packr } from 'msgpackr';
import { BusError } from './errors.ts';

export const BUS_VERSION = 1;

const packr = new Packr({ useRecords: false, moreTypes: false, int64AsType: 'bigint' });

export function encode(body: Record<string, unknown>): Uint8Array {
  return packr.pack({ v: BUS_VERSION, ...body });
}

export function decode<T>(data: Uint8Array): T {
  const m = packr.unpack(data) as { v?: number } & T;
  if (!m || m.v !== BUS_VERSION) throw new BusError(`unsupported bus message version ${m?.v}`);
  return m;
}
