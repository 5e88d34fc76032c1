import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../../model/labels.ts';
import { FilesystemStore } from '../../../storage/filesystem-store.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import { indexRows } from '../../helpers/index-rows.ts';
import { waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { spawnNode, tempDir } from '../../helpers/node.ts';
import { DAY, JAN1, ref } from '../../storage/index/fixtures.ts';

const TENANTS = ['a', 'b'];
const DAYS = 8;
const SEGMENTS = 25;
const all = [{ name: 'app', op: '=~' as const, value: '.+' }];

/** Whether a merge is under way: the working directory holds a compacted file being written. */
const merging = (work: string) => existsSync(work) && readdirSync(work).some((d) => existsSync(join(work, d, 'out.db')));

test('a compactor SIGKILLed mid-merge leaves a store that answers every query whole, and a restarted one finishes', async (t) => {
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const directory = join(dir, 'store');
  const store = new FilesystemStore(directory);
  // two writers, many segments per tenant and day, chunks shared between them (as after a handover)
  const expected = new Map<string, string[]>();
  const w1 = new IndexWriter({ store, writerId: 'ing-1' });
  const w2 = new IndexWriter({ store, writerId: 'ing-2' });
  for (const tenant of TENANTS) {
    const keys = new Set<string>();
    for (let d = 0; d < DAYS; d++)
      for (let s = 0; s < SEGMENTS; s++) {
        const labels: Labels = [['app', `app-${s % 5}`], ['pod', `pod-${s}`]];
        const refs = Array.from({ length: 8 }, (_, i) => ref(tenant, String(s * 10 + i + 1), labels, JAN1 + BigInt(d) * DAY + BigInt(s * 100 + i), JAN1 + BigInt(d) * DAY + BigInt(s * 100 + i + 5)));
        await (s % 2 ? w1 : w2).addChunks(refs);
        if (s % 5 === 0) await (s % 2 ? w2 : w1).addChunks(refs.slice(0, 2));
        for (const r of refs) keys.add(r.key);
      }
    expected.set(tenant, [...keys].sort());
  }
  w1.close();
  w2.close();

  /** Every chunk once, none lost: what a querier reads of each tenant's days now. */
  const check = async (when: string) => {
    const reader = new IndexReader({ store });
    try {
      for (const tenant of TENANTS) {
        const got = (await reader.chunks(tenant, all, JAN1, JAN1 + BigInt(DAYS) * DAY)).map((r) => r.key);
        t.is(got.length, new Set(got).size, `${when}: tenant ${tenant}, no chunk twice`);
        t.deepEqual(got.sort(), expected.get(tenant), `${when}: tenant ${tenant}, every chunk`);
      }
    } finally {
      reader.close();
    }
  };
  await check('before');

  const nodeDir = join(dir, 'compactor-node');
  const work = join(nodeDir, 'compactor');
  const flags = { target: 'compactor', 'storage_config.filesystem.directory': directory, 'compactor.compaction_interval': '100ms', 'compactor.index_delete_delay': '0s' };
  let kills = 0;
  for (let round = 0; round < 3; round++) {
    const node = await spawnNode(t, nats.url, nodeDir, flags);
    await waitFor('a merge under way', async () => merging(work), 20_000).catch(() => undefined);
    if (!merging(work)) break; // nothing left to merge: the compactor finished first
    node.kill();
    await node.exited;
    kills++;
    await check(`after SIGKILL ${kills}`);
  }
  t.true(kills >= 2, `${kills} kills mid-merge`);
  t.log(`${kills} kills mid-merge`);

  // the restarted compactor takes its own lease back at once (same id) and finishes the work
  const node = await spawnNode(t, nats.url, nodeDir, flags);
  await waitFor(
    'one compacted file per tenant and day, and nothing else',
    async () => {
      const keys = (await store.list('index/')).map((o) => o.key);
      return keys.length === TENANTS.length * DAYS && keys.every((k) => k.includes('/compacted/'));
    },
    25_000,
  );
  await check('after the restarted compactor finished');
  // each chunk's row is in one file once: the rows of all compacted files add up to the chunks
  t.is(await indexRows(store), TENANTS.reduce((n, tenant) => n + expected.get(tenant)!.length, 0));
  t.false(merging(work));
  node.kill();
});
