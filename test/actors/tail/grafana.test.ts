// Grafana's Live button, as its Loki data source's backend does it (pkg/tsdb/loki/streaming.go):
// it first asks GET /loki/api/v2alpha/tail and takes a 400 to mean a v2 endpoint it should use
// instead, so that path must not answer 400; then it opens /loki/api/v1/tail with only `query`
// and no tenant header, and reads each message's `streams` as labels and [ns, line] pairs.
import test from 'ava';
import WebSocket from 'ws';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { ONE_THREAD, nsAgo, push } from '../../helpers/tail.ts';

interface GrafanaFrameRow {
  labels: Record<string, string>;
  ts: bigint;
  line: string;
}

test("Grafana's Live tail: the v2alpha probe is not a 400, and v1 frames parse as Grafana parses them", async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, ONE_THREAD);
  t.not((await fetch(`${url}/loki/api/v2alpha/tail`)).status, 400, 'Grafana would switch to the v2alpha endpoint');

  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/loki/api/v1/tail?${new URLSearchParams({ query: '{app="live"} |= "shown"' })}`);
  t.teardown(() => ws.terminate());
  const rows: GrafanaFrameRow[] = [];
  ws.on('message', (m) => {
    // Grafana's lokiBytesToLabeledFrame: {"streams":[{"stream":{...},"values":[["<ns>","<line>"]]}]}
    const rsp = JSON.parse(m.toString()) as { streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> };
    for (const s of rsp.streams ?? []) for (const [ns, line] of s.values) rows.push({ labels: s.stream, ts: BigInt(ns), line });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const at = nsAgo(0);
  await push(url, { app: 'live', pod: 'a' }, [
    [at, 'shown one'],
    [at, 'hidden two'],
    [String(BigInt(at) + 1n), 'shown three'],
  ]);
  const until = Date.now() + 20_000;
  while (rows.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(
    rows.map((r) => [r.labels, String(r.ts), r.line]),
    [
      [{ app: 'live', pod: 'a' }, at, 'shown one'],
      [{ app: 'live', pod: 'a' }, String(BigInt(at) + 1n), 'shown three'],
    ],
  );
});
