import test from 'ava';
import { join } from 'node:path';
import { connectBus } from '../../../bus/connection.ts';
import { DeleteRequests } from '../../../bus/delete-requests.ts';
import { batchFromRows, type Row } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { chunkKey, encodeChunk } from '../../../storage/chunk/encode.ts';
import { decodeChunk } from '../../../storage/chunk/decode.ts';
import { FilesystemStore } from '../../../storage/filesystem-store.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import type { ChunkRef } from '../../../storage/index/schema.ts';
import { processDeletes } from '../../../actors/compactor/deletes.ts';
import { createMetrics } from '../../../actors/metrics.ts';
import { waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { spawnNode, tempDir } from '../../helpers/node.ts';
import { DAY, JAN1 } from '../../storage/index/fixtures.ts';

const DAYS = 8;
const STREAMS = 10;
const CHUNKS_PER_DAY = 10;
const LINES = 20;
const MINUTE = 60_000_000_000n;
const all = [{ name: 'app', op: '=~' as const, value: '.+' }];

test('a compactor killed while processing a delete request, writing chunks or editing days, leaves every other line readable once, and a restarted one finishes it', async (t) => {
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const directory = join(dir, 'store');
  const store = new FilesystemStore(directory);
  // DAYS days of STREAMS streams, each chunk LINES lines a minute apart inside one day; every fourth line says level=error
  const expected: string[] = [];
  const writer = new IndexWriter({ store, writerId: 'ing-1' });
  for (let s = 0; s < STREAMS; s++) {
    const labels: Labels = [['app', `app-${s}`]];
    const meta = { tenant: 'fake', fingerprint: (s + 1).toString(16).padStart(16, '0'), labels, maxSeq: 1 };
    const refs: ChunkRef[] = [];
    for (let d = 0; d < DAYS; d++)
      for (let c = 0; c < CHUNKS_PER_DAY; c++) {
        const rows: Row[] = Array.from({ length: LINES }, (_, i) => {
          const ts = JAN1 + BigInt(d) * DAY + BigInt(c * LINES + i) * MINUTE;
          const line = `line ${d}-${c}-${i} of app-${s} level=${i % 4 ? 'info' : 'error'}`;
          expected.push(`app-${s} ${ts} ${line}`);
          return [ts, Buffer.from(line), undefined];
        });
        const batch = batchFromRows(labels, rows);
        const { buf, checksum } = encodeChunk(meta, batch);
        const [from, through] = [batch.ts[0], batch.ts[LINES - 1]];
        const key = chunkKey(meta, from, through, checksum);
        await store.put(key, buf);
        refs.push({ tenant: 'fake', fingerprint: meta.fingerprint, labels, key, from, through, entries: LINES, bytes: buf.length, maxSeq: 1 });
      }
    await writer.addChunks(refs);
  }
  writer.close();
  expected.sort();
  const kept = expected.filter((l) => !l.includes('level=error'));

  /** The lines of the index's current chunks; no two current chunks of a stream overlap (an old one and its replacement never both count). */
  const stored = async (when: string) => {
    const reader = new IndexReader({ store });
    try {
      const refs = await reader.chunks('fake', all, JAN1, JAN1 + BigInt(DAYS) * DAY);
      const byStream = new Map<string, ChunkRef[]>();
      for (const r of refs) byStream.set(r.fingerprint, [...(byStream.get(r.fingerprint) ?? []), r]);
      for (const [fp, rs] of byStream)
        for (let i = 1; i < rs.length; i++) t.true(rs[i].from > rs[i - 1].through, `${when}: stream ${fp} has two current chunks over one time`);
      const out: string[] = [];
      for (const r of refs) {
        const app = r.labels[0][1];
        for (const b of decodeChunk(r.key, await store.get(r.key)).read(JAN1, JAN1 + BigInt(DAYS) * DAY))
          for (let i = 0; i < b.ts.length; i++) out.push(`${app} ${b.ts[i]} ${b.lines.toString('utf8', b.offsets[i], b.offsets[i + 1])}`);
      }
      return out.sort();
    } finally {
      reader.close();
    }
  };
  t.deepEqual(await stored('before'), expected);
  const currentKeys = async () => {
    const reader = new IndexReader({ store });
    try {
      return (await reader.chunks('fake', all, JAN1, JAN1 + BigInt(DAYS) * DAY)).map((r) => r.key);
    } finally {
      reader.close();
    }
  };

  const nc = await connectBus(nats.url, 'test');
  t.teardown(() => nc.close());
  const requests = await DeleteRequests.open(nc);
  await requests.add({ tenant: 'fake', query: '{app=~"app-.+"} |= "level=error"', start: Number(JAN1 / 1_000_000n), end: Number((JAN1 + BigInt(DAYS) * DAY) / 1_000_000n), createdAt: Date.now() - 2000 });
  const status = async () => (await requests.list('fake'))[0].req.status;

  const nodeDir = join(dir, 'compactor-node');
  const flags = {
    target: 'compactor',
    'storage_config.filesystem.directory': directory,
    'compactor.compaction_interval': '100ms',
    'compactor.index_delete_delay': '0s',
    'compactor.retention_delete_delay': '0s',
    'compactor.delete_request_cancel_period': '1s',
  };
  const check = async (when: string) => {
    const got = await stored(when);
    // every other line once; a deleted line at most once (in a chunk not yet written anew)
    t.deepEqual(got.filter((l) => !l.includes('level=error')), kept, `${when}: every other line once`);
    t.is(new Set(got).size, got.length, `${when}: no line twice`);
    return got.length - kept.length;
  };

  // killed while it writes chunks anew
  const first = await spawnNode(t, nats.url, nodeDir, flags);
  await waitFor('the request taken up', async () => (await status()) === 'processing', 20_000);
  await new Promise((r) => setTimeout(r, 300));
  first.kill();
  await first.exited;
  t.is(await status(), 'processing');
  t.is(await check('after SIGKILL'), expected.length - kept.length, 'no day edited yet');

  // stopped between the days' edits (as a kill there would, or a lost lease): some days name the new chunks, the others the old
  const original = new Set(await currentKeys());
  let calls = 0;
  const rewrites = STREAMS * DAYS * CHUNKS_PER_DAY;
  await t.throwsAsync(
    processDeletes(store, requests, createMetrics(), {
      cancelPeriodMs: 1000,
      workDir: join(dir, 'work'),
      deleteDelayMs: 0,
      chunkDeleteDelayMs: 0,
      blockSize: 262_144,
      encoding: 'zstd',
      deletionMode: () => 'filter-and-delete',
      keepGoing: () => ++calls <= rewrites + DAYS / 2,
    }),
  );
  const renamed = (await currentKeys()).filter((k) => !original.has(k)).length;
  t.true(renamed > 0 && renamed < rewrites, `${renamed} of ${rewrites} chunks replaced in the index`);
  const left = await check('stopped mid-edits');
  t.true(left > 0 && left < expected.length - kept.length, `${left} deleted lines left: some days edited, not all`);
  t.is(await status(), 'processing');

  const node = await spawnNode(t, nats.url, nodeDir, flags);
  await waitFor('the request processed', async () => (await status()) === 'processed', 30_000);
  t.deepEqual(await stored('after the restarted compactor finished'), kept);
  node.kill();
});
