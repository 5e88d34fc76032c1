// A KV bucket's keys, from its stream's subjects rather than kv.keys(): that one runs an ordered
// consumer, which on nats-server 2.9 returns only part of the keys.
import type { JetStreamManager } from 'nats';

/** The bucket's keys matching `pattern` (a subject pattern over keys: `>` for all, `a.*`). */
export async function bucketKeys(jsm: JetStreamManager, bucket: string, pattern = '>'): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${pattern}` });
  return Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length));
}
