// JetStream as `muninn status` shows it: the account's usage and, for each of Muninn's streams
// and buckets, its size and where it lives (leader, replicas). Read only: what is absent is left out.
import type { NatsConnection } from 'nats';
import { buckets, streams } from './subjects.ts';

export interface StreamStatus {
  name: string;
  messages: number;
  bytes: number;
  consumers: number;
  /** Present when the server reports it (always in a cluster). */
  cluster?: {
    leader?: string;
    /** The peers besides the leader. */
    replicas: Array<{ name: string; current: boolean; offline: boolean }>;
  };
}

export interface JetStreamStatus {
  /** Bytes of memory and file storage the account uses, and its streams and consumers. */
  memory: number;
  storage: number;
  streams: number;
  consumers: number;
  muninn: StreamStatus[];
}

/** Every JetStream stream Muninn makes: the ingest log, the query queue, and the KV buckets. */
const muninnStreams = (): string[] => [...Object.values(streams), ...Object.values(buckets).map((b) => `KV_${b}`)];

export async function jetStreamStatus(nc: NatsConnection): Promise<JetStreamStatus> {
  const jsm = await nc.jetstreamManager();
  const account = await jsm.getAccountInfo();
  const infos = await Promise.all(
    muninnStreams().map((name) =>
      jsm.streams.info(name).catch((err) => {
        if (/stream not found/i.test((err as Error).message)) return undefined;
        throw err;
      }),
    ),
  );
  const muninn: StreamStatus[] = [];
  for (const info of infos) {
    if (!info) continue;
    const c = info.cluster;
    muninn.push({
      name: info.config.name,
      messages: info.state.messages,
      bytes: info.state.bytes,
      consumers: info.state.consumer_count,
      cluster: c && {
        leader: c.leader || undefined,
        replicas: (c.replicas ?? []).map((r) => ({ name: r.name, current: r.current === true, offline: r.offline === true })),
      },
    });
  }
  return { memory: account.memory, storage: account.storage, streams: account.streams, consumers: account.consumers, muninn };
}
