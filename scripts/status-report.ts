// What `muninn status` found, the problems in it, and the plain-text report: no I/O here
// (status.ts gathers), so what counts as wrong is decided in one place.
import type { JetStreamStatus, QueueStatus } from '../bus/index.ts';

export interface PartitionStatus {
  partition: number;
  /** The lease holder; null when no live lease names one. */
  owner: string | null;
  ready: boolean;
  /** Last ingest-log sequence of the partition; 0 (shown -) when the log holds none of it, e.g. all flushed and purged. */
  head: number;
  /** The first sequence a replay reads. */
  checkpoint: number;
  /** head − (checkpoint − 1), at least 0: sequences of the log not yet durably in the store. */
  lag: number;
  /** Messages the owner has read but not flushed, when it says. */
  unflushed: number | null;
}

export interface MemberStatus {
  id: string;
  roles: string[];
  address: string;
  version: string;
  startedAt: number;
  /** Server time of its last heartbeat. */
  heartbeatAt: number | null;
  uptimeMs: number;
  heartbeatAgoMs: number | null;
  /** What its roles report (an ingester: streams, and per partition lag, unflushed, ready). */
  status: Record<string, unknown> | null;
}

export interface IngesterStatus {
  id: string;
  /** Streams in memory. */
  streams: number | null;
  /** Partitions it reads, by its own account. */
  reading: number;
  /** Partitions whose lease it holds. */
  leases: number;
}

export interface StoreStatus {
  kind: string;
  location: string;
  objects: number;
  chunks: { count: number; bytes: number };
  index: { count: number; bytes: number };
  other: { count: number; bytes: number };
  tenants: number;
  /** The listing stopped at its limit: every figure is a lower bound. */
  truncated: boolean;
}

export interface CompactorStatus {
  /** Who holds the compactor lease; null when none does. */
  holder: string | null;
  renewedAgoMs: number | null;
  /** The holder's last run, as it says in its member entry (null before its first). */
  lastRunAt: number | null;
  lastRunMs: number | null;
  days: number | null;
  filesMerged: number | null;
  filesDeleted: number | null;
  /** Files merged since the holder started. */
  filesMergedTotal: number | null;
  lastError: string | null;
  /** Delete requests past their cancel period and not yet processed, when its last run began. */
  pendingDeleteRequests: number | null;
  /** Why its last deletion step failed, if it did. */
  deletesError: string | null;
  /** Members running the compactor role (one works, the others wait). */
  members: number;
  /** The holder's retention: on or off, its last run's chunks and what it deleted since it started. */
  retention: {
    enabled: boolean;
    chunksDropped: number | null;
    chunksDeleted: number | null;
    /** Dropped from the index, waiting for retention_delete_delay. */
    chunksPending: number | null;
    chunksDeletedTotal: number;
    daysDeletedTotal: number;
  } | null;
}

export interface Status {
  time: string;
  nats: {
    servers: Array<{ url: string; up: boolean }>;
    /** The server this command is connected to. */
    connected: { name: string; version: string; cluster: string | null } | null;
    jetstream: JetStreamStatus | null;
  };
  members: MemberStatus[] | null;
  partitions: PartitionStatus[] | null;
  ingesters: IngesterStatus[] | null;
  queue: (QueueStatus & { queriers: number }) | null;
  store: StoreStatus | null;
  compactor: CompactorStatus | null;
  /** Sections that could not be read, with why (also listed as problems). */
  errors: string[];
}

/** Everything an operator must act on, one sentence each; none means healthy. */
export function problemsOf(s: Status, maxLag: number): string[] {
  const out: string[] = [];
  for (const srv of s.nats.servers) if (!srv.up) out.push(`NATS server ${srv.url} does not answer`);
  for (const st of s.nats.jetstream?.muninn ?? []) {
    if (!st.cluster) continue;
    if (!st.cluster.leader) out.push(`stream ${st.name} has no leader`);
    for (const r of st.cluster.replicas) if (r.offline) out.push(`stream ${st.name}: replica ${r.name} is offline`);
  }
  out.push(...s.errors);
  if (s.members && !s.members.some((m) => m.roles.includes('querier'))) out.push('no querier is running');
  if (s.compactor?.lastError) out.push(`the compactor's last run failed: ${s.compactor.lastError}`);
  if (s.compactor?.deletesError) out.push(`the compactor's last deletion step failed: ${s.compactor.deletesError}`);
  for (const p of s.partitions ?? []) {
    if (!p.owner) out.push(`partition ${p.partition} has no owner`);
    if (p.lag > maxLag) out.push(`partition ${p.partition} lags ${p.lag} messages (over ${maxLag})`);
  }
  return out;
}

function retentionLine(r: NonNullable<CompactorStatus['retention']>): string {
  if (!r.enabled) return 'retention off (compactor.retention_enabled)';
  const last = r.chunksDropped === null ? 'no run yet' : `last run dropped ${r.chunksDropped} chunks from the index and deleted ${r.chunksDeleted}, ${r.chunksPending} wait for the delay`;
  return `retention on: ${last}; ${r.chunksDeletedTotal} chunks and ${r.daysDeletedTotal} whole days deleted since it started`;
}

export function renderText(s: Status, problems: string[]): string {
  const lines: string[] = [`muninn status at ${s.time}`, ''];
  const section = (title: string, body: string[]) => lines.push(title, ...body.map((l) => (l ? `  ${l}` : l)), '');
  const na = 'unavailable (see PROBLEMS)';

  const nats = s.nats;
  const connected = nats.connected;
  section('NATS', [
    ...table(nats.servers.map((srv) => [srv.url, srv.up ? 'up' : 'DOWN'])),
    connected ? `connected to ${connected.name} (nats-server ${connected.version}${connected.cluster ? `, cluster ${connected.cluster}` : ''})` : 'not connected',
    ...(nats.jetstream ? jetStreamLines(nats.jetstream) : []),
  ]);

  const now = Date.parse(s.time);
  section(
    `MEMBERS${s.members ? ` (${s.members.length})` : ''}`,
    !s.members
      ? [na]
      : !s.members.length
        ? ['no live members']
        : table([
            ['ID', 'ROLES', 'ADDRESS', 'VERSION', 'UPTIME', 'LAST HEARTBEAT'],
            ...s.members.map((m) => [m.id, m.roles.join(','), m.address || '-', m.version, duration(now - m.startedAt), m.heartbeatAt ? `${duration(now - m.heartbeatAt)} ago` : '-']),
          ]),
  );

  section(
    `PARTITIONS${s.partitions ? ` (${s.partitions.length})` : ''}`,
    !s.partitions
      ? [na]
      : [
          ...table([
            ['PARTITION', 'OWNER', 'READY', 'HEAD', 'CHECKPOINT', 'LAG', 'UNFLUSHED'],
            ...s.partitions.map((p) => [String(p.partition), p.owner ?? '-', p.owner ? (p.ready ? 'yes' : 'no') : '-', p.head ? String(p.head) : '-', String(p.checkpoint), String(p.lag), p.unflushed === null ? '-' : String(p.unflushed)]),
          ]),
          '',
          ...(s.ingesters?.length
            ? table([['INGESTER', 'STREAMS IN MEMORY', 'READING', 'LEASES'], ...s.ingesters.map((i) => [i.id, i.streams === null ? '-' : String(i.streams), String(i.reading), String(i.leases)])])
            : ['no live ingester']),
        ],
  );

  const q = s.queue;
  section(
    'QUERY QUEUE',
    q
      ? [`depth ${q.pending} waiting, ${q.running} running (${q.messages} in the stream)`, `consumers: ${q.waiting} pull requests waiting, ${q.queriers} querier member${q.queriers === 1 ? '' : 's'}`]
      : s.members
        ? ['not created yet (no frontend has started)', `${s.members.filter((m) => m.roles.includes('querier')).length} querier members`]
        : [na],
  );

  const c = s.compactor;
  section(
    'COMPACTOR',
    !c
      ? [na]
      : !c.holder
        ? [c.members ? `no compactor holds the lease (${c.members} member${c.members === 1 ? '' : 's'} run the role)` : 'no compactor is running']
        : [
            `lease held by ${c.holder}${c.renewedAgoMs === null ? '' : `, renewed ${duration(c.renewedAgoMs)} ago`}; ${c.members} member${c.members === 1 ? '' : 's'} run the role`,
            c.lastRunAt === null
              ? 'no run finished yet'
              : `last run ${duration(now - c.lastRunAt)} ago, ${duration(c.lastRunMs ?? 0)}: ${c.days} days, ${c.filesMerged} files merged, ${c.filesDeleted} deleted; ${c.filesMergedTotal} merged since it started`,
            ...(c.retention ? [retentionLine(c.retention)] : []),
            ...(c.pendingDeleteRequests ? [`${c.pendingDeleteRequests} delete request${c.pendingDeleteRequests === 1 ? '' : 's'} past the cancel period, being processed`] : []),
          ],
  );

  const st = s.store;
  const plus = st?.truncated ? '+' : '';
  section(
    st ? `STORE (${st.kind} ${st.location})` : 'STORE',
    st
      ? [
          `chunks       ${st.chunks.count}${plus}  ${bytes(st.chunks.bytes)}${plus}`,
          `index files  ${st.index.count}${plus}  ${bytes(st.index.bytes)}${plus}`,
          `other        ${st.other.count}${plus}  ${bytes(st.other.bytes)}${plus}`,
          `${st.tenants}${plus} tenant${st.tenants === 1 ? '' : 's'}${st.truncated ? `; listing stopped at ${st.objects} objects` : ''}`,
        ]
      : [na],
  );

  section('PROBLEMS', problems.length ? problems : ['none']);
  return lines.join('\n');
}

function jetStreamLines(js: JetStreamStatus): string[] {
  const out = [`JetStream: ${bytes(js.storage)} file, ${bytes(js.memory)} memory, ${js.streams} streams, ${js.consumers} consumers`];
  if (!js.muninn.length) return out;
  const peers = (st: JetStreamStatus['muninn'][number]) =>
    st.cluster?.replicas.length ? st.cluster.replicas.map((r) => `${r.name}${r.offline ? ' OFFLINE' : r.current ? '' : ' behind'}`).join(', ') : '-';
  return [...out, ...table([['STREAM', 'MESSAGES', 'BYTES', 'CONSUMERS', 'LEADER', 'REPLICAS'], ...js.muninn.map((st) => [st.name, String(st.messages), bytes(st.bytes), String(st.consumers), st.cluster ? (st.cluster.leader ?? 'NONE') : '-', peers(st)])])];
}

/** Left-aligned columns two spaces apart. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** 3d4h, 5m3s, 7s. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d) return `${d}d${h}h`;
  if (h) return `${h}h${m}m`;
  if (m) return `${m}m${s % 60}s`;
  return `${s}s`;
}
