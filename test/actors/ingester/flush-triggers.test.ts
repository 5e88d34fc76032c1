import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { flatten, metricValue, pushJson, queryRange, streamBody, waitFor } from '../../helpers/loki.ts';

const nowNs = () => String(BigInt(Date.now()) * 1_000_000n);
const flushed = (url: string, reason: string) => metricValue(url, 'loki_ingester_chunks_flushed_total', { reason });

test('a chunk that reaches chunk_target_size is flushed with reason "full"', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'ingester.chunk_target_size': '4096', 'ingester.flush_check_period': '100ms' });
  // random base64 compresses little: 12 KiB of it passes a 4 KiB target once compressed
  const values: Array<[string, string]> = Array.from({ length: 16 }, (_, i) => [String(BigInt(Date.now()) * 1_000_000n + BigInt(i)), randomBytes(576).toString('base64')]);
  t.is((await pushJson(url, streamBody({ job: 'full' }, values))).status, 204);
  await waitFor('a full flush', async () => (await flushed(url, 'full')) >= 1);
  t.is(await flushed(url, 'idle'), 0);
  t.is(await flushed(url, 'max_age'), 0);
  const got = await queryRange(url, { query: '{job="full"}', since: '5m', direction: 'forward' });
  t.deepEqual(flatten(got), values.map(([ts, l]) => `${ts} ${l}`));
});

test('a chunk whose lines compress well is not cut as full by its raw size alone', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'ingester.chunk_target_size': '4096', 'ingester.flush_check_period': '100ms', 'ingester.chunk_idle_period': '1s' });
  // 16 KiB of one repeated line compresses to well under 4 KiB
  const values: Array<[string, string]> = Array.from({ length: 16 }, (_, i) => [String(BigInt(Date.now()) * 1_000_000n + BigInt(i)), 'a'.repeat(1024)]);
  t.is((await pushJson(url, streamBody({ job: 'squash' }, values))).status, 204);
  await waitFor('the idle flush', async () => (await flushed(url, 'idle')) >= 1);
  t.is(await flushed(url, 'full'), 0);
});

test('a chunk older than max_chunk_age is flushed with reason "max_age" even while it keeps receiving', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'ingester.max_chunk_age': '1500ms', 'ingester.flush_check_period': '100ms' });
  const deadline = Date.now() + 4000;
  let i = 0;
  while (Date.now() < deadline && (await flushed(url, 'max_age')) === 0) {
    t.is((await pushJson(url, streamBody({ job: 'aging' }, [[nowNs(), `line ${i++}`]]))).status, 204);
    await new Promise((r) => setTimeout(r, 200));
  }
  t.true((await flushed(url, 'max_age')) >= 1);
  t.is(await flushed(url, 'idle'), 0);
  t.is(await flushed(url, 'full'), 0);
});

test('a chunk without entries for chunk_idle_period is flushed with reason "idle"', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'ingester.chunk_idle_period': '500ms', 'ingester.flush_check_period': '100ms' });
  t.is((await pushJson(url, streamBody({ job: 'quiet' }, [[nowNs(), 'only line']]))).status, 204);
  t.is(await flushed(url, 'idle'), 0);
  await waitFor('an idle flush', async () => (await flushed(url, 'idle')) === 1);
  t.is(await flushed(url, 'full'), 0);
  t.is(await flushed(url, 'max_age'), 0);
});
