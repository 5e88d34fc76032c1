// A live-tail client for tests, as logcli uses /loki/api/v1/tail: a WebSocket whose messages are
// kept, parsed, with ways to wait for entries and for the close; closed in teardown.
import type { ExecutionContext } from 'ava';
import WebSocket from 'ws';
import { metricValue, pushJson, streamBody } from './loki.ts';

/** Loki's tail response. */
export interface TailMessage {
  streams?: Array<{ stream: Record<string, string>; values: Array<[string, string]> }>;
  dropped_entries?: Array<{ timestamp: string; labels?: Record<string, string> }>;
}

export interface TailEntry {
  labels: Record<string, string>;
  ts: string;
  line: string;
}

export interface TailClient {
  ws: WebSocket;
  messages: TailMessage[];
  /** When each message arrived (Date.now()). */
  arrivals: number[];
  /** Every entry received, in the order received. */
  entries(): TailEntry[];
  lines(): string[];
  /** Waits until `check` holds over what was received; fails naming `what` and the lines so far. */
  until(what: string, check: (c: TailClient) => boolean, timeoutMs?: number): Promise<void>;
  /** The close the server sent (code and reason), or 1006 when the connection just dropped. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export function tailUrl(url: string, params: Record<string, string>): string {
  return `${url.replace(/^http/, 'ws')}/loki/api/v1/tail?${new URLSearchParams(params)}`;
}

/** Opens a tail; rejects with the HTTP status and body when the upgrade is refused. */
export async function tailClient(t: ExecutionContext, url: string, params: Record<string, string>, tenant?: string): Promise<TailClient> {
  const ws = new WebSocket(tailUrl(url, params), { headers: tenant ? { 'X-Scope-OrgID': tenant } : {} });
  const messages: TailMessage[] = [];
  const arrivals: number[] = [];
  ws.on('message', (m) => {
    messages.push(JSON.parse(m.toString()) as TailMessage);
    arrivals.push(Date.now());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  t.teardown(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })));
    });
  });
  const client: TailClient = {
    ws,
    messages,
    arrivals,
    entries: () => messages.flatMap((m) => (m.streams ?? []).flatMap((s) => s.values.map(([ts, line]) => ({ labels: s.stream, ts, line })))),
    lines: () => client.entries().map((e) => e.line),
    async until(what, check, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (!check(client)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(client.lines().slice(-20))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    closed,
    async close() {
      ws.close(1000);
      await closed;
    },
  };
  return client;
}

/** The refusal of an upgrade that the server answers before it: status and body. */
export async function refusedTail(t: ExecutionContext, url: string, params: Record<string, string>, tenant?: string): Promise<{ status: number; body: string }> {
  try {
    await tailClient(t, url, params, tenant);
  } catch (err) {
    const e = err as { status?: number; body?: string };
    if (e.status !== undefined) return { status: e.status, body: e.body ?? '' };
    throw err;
  }
  throw new Error('the upgrade was accepted');
}

/** Nanoseconds since the epoch, as a decimal string, `agoMs` before now. */
export const nsAgo = (agoMs: number) => String(BigInt(Date.now() - agoMs) * 1_000_000n);

/** One querier thread: most tail tests need no more, and the machine is shared. */
export const ONE_THREAD = { 'querier.worker_threads': '1' };

export async function push(url: string, labels: Record<string, string>, values: Array<[string, string]>, tenant?: string): Promise<void> {
  const res = await pushJson(url, streamBody(labels, values), { tenant });
  if (res.status !== 204) throw new Error(`push ${res.status}: ${await res.text()}`);
}

/** Pushes a last line the tail keeps and waits for it: entries leave in time order, so whatever was to come before it has come. */
export async function settle(c: TailClient, url: string, labels: Record<string, string>, line: string, tenant?: string): Promise<void> {
  await push(url, labels, [[nsAgo(0), line]], tenant);
  await c.until(`the sentinel ${line}`, (x) => x.lines().includes(line));
}

/** Live tails the node's querier threads hold (loki_querier_tail_active). */
export const activeTails = (url: string) => metricValue(url, 'loki_querier_tail_active');
