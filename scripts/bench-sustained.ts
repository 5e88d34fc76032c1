// The sustained push part of `npm run bench`: `muninn start` as a user runs it (one process per
// core, on a nats-server of its own), pushed at by a client keeping pushes in flight for a minute
// or more; then how long its ingesters take to read what is left of the ingest log. Reported:
// lines/s, MB/s, p99, the cores each side used (Muninn's processes, nats-server), RSS, and the
// lines held per MiB of RSS.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { streams } from '../bus/subjects.ts';
import { startPusher, type PushResult } from './bench-push.ts';
import type { NatsServer } from './nats-server.ts';
import { sleep, spawnMuninn, waitReady, type MuninnProcess, type SpawnOptions } from './processes.ts';

const TICKS_PER_SEC = 100;
const PAGE_BYTES = 4096;

export interface SustainedRow extends PushResult {
  name: string;
  linesPerSec: number;
  mbPerSec: number;
  /** Cores used on average while pushing: Muninn's processes together, and nats-server. */
  muninnCores: number;
  natsCores: number;
  /** Lines/s per core Muninn used. */
  linesPerCore: number;
  /** RSS of Muninn's processes at the end of the push, MiB. */
  rssMiB: number;
  /** Seconds after the last acknowledged push until the ingesters had read the whole log. */
  catchUpSeconds: number;
}

/** A process and its descendants (a node's workers and querier threads are in it). */
export function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  for (const todo = [root]; todo.length; ) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/** CPU seconds (user + system) and RSS bytes of processes, from /proc. */
export function usage(pids: number[]): { cpu: number; rss: number } {
  let cpu = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      cpu += (Number(f[11]) + Number(f[12])) / TICKS_PER_SEC;
      rss += Number(f[21]) * PAGE_BYTES;
    } catch {
      // gone meanwhile
    }
  }
  return { cpu, rss };
}

/** Messages of the ingest log no ingester has read yet: per partition, its newest consumer's pending. */
async function unread(natsUrl: string): Promise<number> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    const newest = new Map<string, { seq: number; pending: number }>();
    for await (const c of jsm.consumers.list(streams.ingest)) {
      const subject = c.config.filter_subject ?? '';
      const seen = newest.get(subject);
      if (!seen || c.delivered.stream_seq > seen.seq) newest.set(subject, { seq: c.delivered.stream_seq, pending: c.num_pending });
    }
    return [...newest.values()].reduce((n, c) => n + c.pending, 0);
  } finally {
    await nc.close();
  }
}

export interface SustainedOptions {
  nats: NatsServer;
  seconds: number;
  inFlight: number;
  streams: number;
  /** Flags beyond the bench's (rate limits off); server.workers among them. */
  flags?: Record<string, string>;
  name: string;
}

/** Starts `muninn start`, pushes for `seconds`, waits for the ingesters, and leaves it running for the caller. */
export async function sustainedPush(o: SustainedOptions): Promise<{ row: SustainedRow; node: MuninnProcess; flags: SpawnOptions['flags'] }> {
  const flags = {
    'nats.url': o.nats.url,
    'common.path_prefix': await mkdtemp(join(tmpdir(), 'muninn-bench-node-')),
    'limits_config.ingestion_rate_mb': '0',
    'limits_config.ingestion_burst_size_mb': '0',
    'limits_config.reject_old_samples': 'false',
    'ingester.flush_on_shutdown': 'true',
    ...o.flags,
  };
  const node = await spawnMuninn({ name: 'node', target: 'all', flags });
  try {
    return { node, flags, row: await measure(node, o) };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

async function measure(node: MuninnProcess, o: SustainedOptions): Promise<SustainedRow> {
  await waitReady(node);
  const before = { muninn: usage(tree(node.pid)), nats: usage([o.nats.pid()]) };
  const pusher = startPusher({ url: node.url, inFlight: o.inFlight, streams: o.streams });
  await sleep(o.seconds * 1000);
  const r = await pusher.stop();
  const after = { muninn: usage(tree(node.pid)), nats: usage([o.nats.pid()]) };
  const pushedAt = Date.now();
  while ((await unread(o.nats.url)) > 0) await sleep(250);
  const catchUpSeconds = +((Date.now() - pushedAt) / 1000).toFixed(1);
  const muninnCores = (after.muninn.cpu - before.muninn.cpu) / r.seconds;
  const linesPerSec = Math.round(r.lines / r.seconds);
  return {
    name: o.name,
    ...r,
    linesPerSec,
    mbPerSec: +(r.bytes / r.seconds / 1e6).toFixed(1),
    muninnCores: +muninnCores.toFixed(2),
    natsCores: +((after.nats.cpu - before.nats.cpu) / r.seconds).toFixed(2),
    linesPerCore: Math.round(linesPerSec / muninnCores),
    rssMiB: Math.round(after.muninn.rss / 2 ** 20),
    catchUpSeconds,
  };
}
