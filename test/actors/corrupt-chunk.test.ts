import test from 'ava';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNats } from '../helpers/nats.ts';
import { startTestNode } from '../helpers/node.ts';
import { flatten, get, metricValue, pushJson, queryRange, streamBody, waitFor } from '../helpers/loki.ts';

const now = () => String(BigInt(Date.now()) * 1_000_000n);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

test('a corrupted chunk gives an error naming the chunk, and the node keeps serving', async (t) => {
  const nats = await startNats(t);
  const { url, dataDir } = await startTestNode(t, nats.url, { 'ingester.chunk_idle_period': '500ms', 'ingester.flush_check_period': '100ms', 'ingester.chunk_retain_period': '0s' });
  const lines = Array.from({ length: 50 }, (_, i) => [String(BigInt(Date.now()) * 1_000_000n + BigInt(i)), `line number ${i} of the doomed stream`] as [string, string]);
  t.is((await pushJson(url, streamBody({ job: 'doomed' }, lines))).status, 204);
  t.is((await pushJson(url, streamBody({ job: 'healthy' }, [[now(), 'still fine']]))).status, 204);
  await waitFor('both chunks to flush', async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= 2);
  await waitFor('memory to empty', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);
  t.is(flatten(await queryRange(url, { query: '{job="doomed"}', since: '5m' })).length, 50);

  const chunks = (await filesUnder(join(dataDir, 'store', 'fake', 'chunks'))).filter((f) => !f.includes('.tmp'));
  t.is(chunks.length, 2);
  // flip bytes in the middle of every chunk: a block's checksum no longer matches
  for (const f of chunks) {
    const buf = await readFile(f);
    for (let i = Math.floor(buf.length / 3); i < Math.floor(buf.length / 3) + 8; i++) buf[i] ^= 0xff;
    await writeFile(f, buf);
  }
  const res = await get(url, '/loki/api/v1/query_range', { query: '{job="doomed"}', since: '5m' });
  const text = await res.text();
  t.is(res.status, 500);
  t.regex(text, /chunk fake\/chunks\/[0-9a-f]+\//, `the error names the chunk: ${text}`);

  // the process is alive and answers what it can
  t.is((await fetch(`${url}/ready`)).status, 200);
  t.is((await pushJson(url, streamBody({ job: 'after' }, [[now(), 'new line']]))).status, 204);
  t.deepEqual(flatten(await queryRange(url, { query: '{job="after"}', since: '5m' })).map((l) => l.split(' ').slice(1).join(' ')), ['new line']);
});
