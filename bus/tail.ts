// A live tail between the gateway that holds the client's WebSocket and the querier thread that
// holds the tail: the gateway asks the queue group `tailers` to open it; the holder answers with
// its control inbox and sends frames (entries, drops, or an end) to the gateway's frame inbox.
// Each side tells the other it is alive every KEEPALIVE_MS: a holder forgets a tail whose gateway
// went quiet, a gateway knows its holder is gone; closing the socket cancels the tail at once.
import { randomUUID } from 'node:crypto';
import { createInbox, type NatsConnection, type Subscription } from 'nats';
import { decode, encode } from './codec.ts';
import { subscribeDecoded } from './subscribe.ts';
import { BusError, isNoResponders } from './errors.ts';
import { RemoteError } from './inbox.ts';
import { queueGroups, subjects } from './subjects.ts';

/** A tail as the HTTP API received it (Loki's parameters); ns as a decimal string. */
export interface TailRequest {
  tenant: string;
  query: string;
  /** The first answer holds the newest `limit` entries from `start` to now, then the live ones follow. */
  start: string;
  limit: number;
  /** Seconds each entry is held, by its timestamp, so late ones can be sent in order (at most 5). */
  delayFor: number;
}

/**
 * What a holder sends a gateway. `streams`: runs of one stream's entries in time order, each its
 * labels (a JSON object's text), timestamps (ns, decimal) and lines. `dropped`: entries the holder
 * had to leave out, [labels JSON, ns]. `end`: the tail is over, saying why; `retry`: not the
 * tail's fault (its holder is stopping), another holder may take it on. Nothing: a heartbeat.
 */
export interface TailFrame {
  streams?: Array<[labels: string, ts: string[], lines: string[]]>;
  dropped?: Array<[labels: string, ts: string]>;
  end?: string;
  retry?: boolean;
}

/** How often each side says it is alive. */
export const KEEPALIVE_MS = 2000;
/** Silence after which the other side is taken for gone. */
const SILENCE_MS = 5 * KEEPALIVE_MS;
/** How long a gateway waits for a holder to take a tail (it subscribes and announces first). */
const OPEN_TIMEOUT_MS = 10_000;

interface OpenEnvelope {
  id: string;
  /** The gateway's frame inbox. */
  reply: string;
  req: TailRequest;
}

type OpenReply = { control: string } | { err: string; status: number };

interface Control {
  id: string;
  op: 'alive' | 'cancel';
}

/** The holder's side of one tail: where its frames go. */
export interface TailSink {
  /** False when the frame could not be sent (larger than NATS takes): its entries count as dropped. */
  send(frame: TailFrame): boolean;
  /** Ends the tail from the holder's side: the gateway closes its socket with `reason`. */
  end(reason: string): void;
}

/** Opens a tail for `req`; its stop is called when the gateway cancels or goes quiet. Throws an error with a `status` to refuse it. */
export type OpenTail = (req: TailRequest, sink: TailSink) => Promise<() => void>;

interface Held {
  reply: string;
  stop: () => void;
  heardAt: number;
  sentAt: number;
}

/**
 * A querier thread's tails: takes opens from the queue group, keeps each alive while its gateway
 * says so, and sends a heartbeat frame on a quiet one. Returns a function that ends every tail
 * (with `retry`, so their gateways move them to another holder) and stops serving.
 */
export function serveTails(nc: NatsConnection, open: OpenTail): () => void {
  const held = new Map<string, Held>();
  const control = createInbox();
  const finish = (id: string) => {
    const h = held.get(id);
    if (!h) return;
    held.delete(id);
    h.stop();
  };
  const publish = (id: string, frame: TailFrame): boolean => {
    const h = held.get(id);
    if (!h) return false;
    try {
      nc.publish(h.reply, encode({ ...frame }));
    } catch {
      return false; // over max_payload, or the connection is closing
    }
    h.sentAt = Date.now();
    return true;
  };

  const controls = subscribeDecoded<Control>(
    nc,
    control,
    (c) => {
      if (c.op === 'cancel') finish(c.id);
      else {
        const h = held.get(c.id);
        if (h) h.heardAt = Date.now();
      }
    },
  );

  const opens = subscribeDecoded<OpenEnvelope>(
    nc,
    subjects.tailOpen,
    (env, msg) => {
      const now = Date.now();
      // held before it opens: the history it sends first goes out through it
      const h: Held = { reply: env.reply, stop: () => undefined, heardAt: now, sentAt: now };
      held.set(env.id, h);
      const sink: TailSink = {
        send: (frame) => publish(env.id, frame),
        end: (reason) => {
          publish(env.id, { end: reason });
          finish(env.id);
        },
      };
      open(env.req, sink).then(
        (stop) => {
          msg.respond(encode({ control }));
          if (held.get(env.id) === h) h.stop = stop;
          else stop(); // ended while it opened (its end frame is on its way)
        },
        (e: Error) => {
          held.delete(env.id);
          msg.respond(encode({ err: e.message, status: (e as { status?: number }).status ?? 500 }));
        },
      );
    },
    { queue: queueGroups.tailers },
  );

  const ticking = setInterval(() => {
    const now = Date.now();
    for (const [id, h] of held) {
      if (now - h.heardAt > SILENCE_MS) finish(id);
      else if (now - h.sentAt >= KEEPALIVE_MS) publish(id, {});
    }
  }, KEEPALIVE_MS / 2);

  return () => {
    clearInterval(ticking);
    opens.unsubscribe();
    for (const id of [...held.keys()]) {
      publish(id, { end: 'the querier holding this tail is stopping', retry: true });
      finish(id);
    }
    controls.unsubscribe();
  };
}

/** The gateway's side of an open tail. */
export interface TailLink {
  /** Cancels the tail (the client went away); closing again does nothing. */
  close(): void;
}

export interface TailEvents {
  frame(f: TailFrame): void;
  /** The holder has said nothing for a while: it is gone, and so is the tail. */
  lost(): void;
}

/**
 * Opens a tail on some querier; rejects with a RemoteError (the holder's status: a bad query, a
 * limit) or a BusError when no querier holds tails. Frames arrive in `events` from the start, so
 * the history sent right after the open is not missed.
 */
export async function openTail(nc: NatsConnection, req: TailRequest, events: TailEvents): Promise<TailLink> {
  const id = randomUUID();
  const inbox = createInbox();
  let heardAt = Date.now();
  const frames: Subscription = subscribeDecoded<TailFrame>(
    nc,
    inbox,
    (f) => {
      heardAt = Date.now();
      events.frame(f);
    },
  );
  let answer: OpenReply;
  try {
    const m = await nc.request(subjects.tailOpen, encode({ id, reply: inbox, req }), { timeout: OPEN_TIMEOUT_MS });
    answer = decode<OpenReply>(m.data);
  } catch (err) {
    frames.unsubscribe();
    if (isNoResponders(err)) throw new BusError('no querier is running', { cause: err });
    throw new BusError('no querier took the tail', { cause: err });
  }
  if ('err' in answer) {
    frames.unsubscribe();
    throw new RemoteError(answer.err, answer.status);
  }
  const { control } = answer;
  const say = (op: Control['op']) => {
    try {
      nc.publish(control, encode({ id, op }));
    } catch {
      // the connection is closing: the holder forgets the tail once it hears nothing
    }
  };
  heardAt = Math.max(heardAt, Date.now());
  const ticking = setInterval(() => {
    if (Date.now() - heardAt > SILENCE_MS) {
      link.close();
      events.lost();
      return;
    }
    say('alive');
  }, KEEPALIVE_MS);
  let closed = false;
  const link: TailLink = {
    close: () => {
      if (closed) return;
      closed = true;
      clearInterval(ticking);
      say('cancel');
      frames.unsubscribe();
    },
  };
  return link;
}
