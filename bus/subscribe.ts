// A subscription whose messages arrive decoded (bus/codec.ts): one this version cannot read (from
// a newer or a foreign sender) is dropped, as every subscriber of the bus does.
import type { Msg, NatsConnection, Subscription } from 'nats';
import { decode } from './codec.ts';

export function subscribeDecoded<T>(nc: NatsConnection, subject: string, onMessage: (m: T, msg: Msg) => void, opts: { queue?: string } = {}): Subscription {
  return nc.subscribe(subject, {
    ...opts,
    callback: (err, msg) => {
      if (err) return;
      let m: T;
      try {
        m = decode<T>(msg.data);
      } catch {
        return;
      }
      onMessage(m, msg);
    },
  });
}
