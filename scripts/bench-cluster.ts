// The cluster section of `npm run bench`, with real processes on a fresh nats-server each: push
// throughput into a gateway process with one ingester process, then with two; then, under a
// steady load, how long a joining ingester takes until three own and have caught up every
// partition, a leaving one (SIGTERM) until two do, and a SIGKILLed one until the survivors do,
// with ingester.lease_ttl at its default.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { durationMs, loadConfig } from '../config/index.ts';
import { startPusher, type PushResult } from './bench-push.ts';
import { usage } from './bench-sustained.ts';
import { startPrivateNats, type NatsServer } from './nats-server.ts';
import { LeaseWatch } from './partition-watch.ts';
import { sleep, spawnMuninn, waitReady, type MuninnProcess } from './processes.ts';

const SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 30);
const IN_FLIGHT = 8;
const STREAMS = 100;
/** The steady load during hand-overs: pushes of 1000 lines a second. */
const LOAD_PUSHES_PER_SEC = Number(process.env.BENCH_HANDOVER_PUSHES_PER_SEC ?? 10);
const defaults = loadConfig({});
const TTL_MS = durationMs(defaults.ingester.lease_ttl);
const PARTITIONS = defaults.distributor.partitions;

export interface ThroughputRow extends PushResult {
  name: string;
  ingesters: number;
  linesPerSec: number;
  mbPerSec: number;
  /** Cores each kind of process used on average over the run (CPU seconds / wall seconds). */
  cores: { gateway: number; ingesters: number; nats: number };
}

export interface HandoverFigures {
  leaseTtlMs: number;
  partitions: number;
  /** The load while hand-overs happen, lines a second acknowledged. */
  loadLinesPerSec: number;
  /** Spawn of a third ingester until three own and have caught up every partition; of which the process's start. */
  joinMs: number;
  joinProcessStartMs: number;
  /** SIGTERM of one of three until two own and have caught up every partition; of which its exit. */
  leaveMs: number;
  leaveExitMs: number;
  /** SIGKILL of one of three until the two survivors own and have caught up every partition. */
  failoverMs: number;
  loadFailures: number;
}

export interface ClusterFigures {
  seconds: number;
  inFlight: number;
  streams: number;
  throughput: ThroughputRow[];
  handover: HandoverFigures;
}

/** A gateway,distributor,frontend,querier process and ingester processes on a nats-server of their own. */
class Cluster {
  readonly ingesters: MuninnProcess[] = [];
  gateway!: MuninnProcess;
  private n = 0;

  private constructor(
    readonly nats: NatsServer,
    private readonly dir: string,
    readonly watch: LeaseWatch,
  ) {}

  static async start(ingesters: number): Promise<Cluster> {
    const nats = await startPrivateNats();
    const dir = await mkdtemp(join(tmpdir(), 'muninn-bench-cluster-'));
    const c = new Cluster(nats, dir, await LeaseWatch.open(nats.url, TTL_MS));
    try {
      const started = await Promise.all([c.spawn('gateway,distributor,frontend,querier'), ...Array.from({ length: ingesters }, () => c.spawn('ingester'))]);
      c.gateway = started[0];
      c.ingesters.push(...started.slice(1));
      await c.watch.settled(PARTITIONS, c.ingesters.map((i) => i.id));
      await Promise.all(started.map((p) => waitReady(p)));
      return c;
    } catch (err) {
      await c.stop();
      throw err;
    }
  }

  spawn(target: string): Promise<MuninnProcess> {
    const name = `${target.includes('gateway') ? 'gateway' : 'ingester'}-${++this.n}`;
    const flags = {
      'nats.url': this.nats.url,
      'common.path_prefix': join(this.dir, name),
      // one directory stands for the object store every process shares
      'storage_config.filesystem.directory': join(this.dir, 'store'),
      'limits_config.ingestion_rate_mb': '0',
      'querier.worker_threads': '1',
    };
    return spawnMuninn({ name, target, flags });
  }

  async stop(): Promise<void> {
    await Promise.all([this.gateway, ...this.ingesters].filter(Boolean).map((p) => p.stop()));
    await this.watch.close();
    await this.nats.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function throughput(ingesters: number): Promise<ThroughputRow> {
  const c = await Cluster.start(ingesters);
  try {
    const cpu = () => ({ gateway: usage([c.gateway.pid]).cpu, ingesters: usage(c.ingesters.map((i) => i.pid)).cpu, nats: usage([c.nats.pid()]).cpu });
    const before = cpu();
    const pusher = startPusher({ url: c.gateway.url, inFlight: IN_FLIGHT, streams: STREAMS });
    await sleep(SECONDS * 1000);
    const r = await pusher.stop();
    const after = cpu();
    const cores = { gateway: +((after.gateway - before.gateway) / r.seconds).toFixed(2), ingesters: +((after.ingesters - before.ingesters) / r.seconds).toFixed(2), nats: +((after.nats - before.nats) / r.seconds).toFixed(2) };
    const name = `cluster push, ${ingesters} ingester process${ingesters > 1 ? 'es' : ''}`;
    return { name, ingesters, ...r, linesPerSec: Math.round(r.lines / r.seconds), mbPerSec: +(r.bytes / r.seconds / 1e6).toFixed(1), cores };
  } finally {
    await c.stop();
  }
}

async function handover(): Promise<HandoverFigures> {
  const c = await Cluster.start(2);
  try {
    const load = startPusher({ url: c.gateway.url, inFlight: 4, streams: STREAMS, pushesPerSec: LOAD_PUSHES_PER_SEC });
    await sleep(10_000);

    let began = Date.now();
    const third = await c.spawn('ingester');
    const joinProcessStartMs = Date.now() - began;
    c.ingesters.push(third);
    await c.watch.settled(PARTITIONS, c.ingesters.map((i) => i.id));
    const joinMs = Date.now() - began;
    await sleep(5000);

    began = Date.now();
    third.child.kill('SIGTERM');
    await third.exited;
    const leaveExitMs = Date.now() - began;
    c.ingesters.pop();
    await c.watch.settled(PARTITIONS, c.ingesters.map((i) => i.id));
    const leaveMs = Date.now() - began;

    // three again, then one of them dies
    c.ingesters.push(await c.spawn('ingester'));
    await c.watch.settled(PARTITIONS, c.ingesters.map((i) => i.id));
    await sleep(5000);
    const dead = c.ingesters.shift()!;
    began = Date.now();
    dead.child.kill('SIGKILL');
    await dead.exited;
    await c.watch.settled(PARTITIONS, c.ingesters.map((i) => i.id));
    const failoverMs = Date.now() - began;

    const r = await load.stop();
    return { leaseTtlMs: TTL_MS, partitions: PARTITIONS, loadLinesPerSec: Math.round(r.lines / r.seconds), joinMs, joinProcessStartMs, leaveMs, leaveExitMs, failoverMs, loadFailures: r.failures };
  } finally {
    await c.stop();
  }
}

/** Runs the section and prints its tables. */
export async function benchCluster(): Promise<ClusterFigures> {
  const rows: ThroughputRow[] = [];
  for (const n of [1, 2]) rows.push(await throughput(n));
  console.log(`\ncluster push throughput (separate processes, ${SECONDS} s sustained, ${IN_FLIGHT} pushes of 1000 lines in flight, ${STREAMS} streams)\n`);
  console.log(['what', 'lines/s', 'MB/s', 'p99 ms', 'failed pushes', 'vs 1 ingester', 'cores: gateway', 'ingesters', 'nats-server'].join('\t'));
  for (const r of rows) {
    console.log([r.name, r.linesPerSec, r.mbPerSec, r.p99Ms, r.failures, (r.linesPerSec / rows[0].linesPerSec).toFixed(2), r.cores.gateway, r.cores.ingesters, r.cores.nats].join('\t'));
  }
  console.log(`(this machine has ${availableParallelism()} cores, shared by these processes and the pusher)`);

  const h = await handover();
  const s = (ms: number) => (ms / 1000).toFixed(1);
  console.log(`\npartition hand-over under a steady ${h.loadLinesPerSec} lines/s (${h.partitions} partitions, ingester.lease_ttl ${s(h.leaseTtlMs)} s)\n`);
  console.log(['what', 'seconds', ''].join('\t'));
  console.log(['a third ingester joins: three own and have caught up every partition', s(h.joinMs), `(process start ${s(h.joinProcessStartMs)} s)`].join('\t'));
  console.log(['one of three leaves (SIGTERM): two own everything', s(h.leaveMs), `(it exited in ${s(h.leaveExitMs)} s)`].join('\t'));
  console.log(['one of three SIGKILLed: the survivors own and have caught up everything', s(h.failoverMs), `(lease TTL ${s(h.leaseTtlMs)} s)`].join('\t'));
  if (h.leaveMs > h.leaseTtlMs * 0.8) console.log('(the leaving ingester\'s leases expired rather than being released: its hand-over did not let go of them)');
  if (h.loadFailures) console.log(`(${h.loadFailures} pushes of the steady load failed meanwhile)`);
  return { seconds: SECONDS, inFlight: IN_FLIGHT, streams: STREAMS, throughput: rows, handover: h };
}
