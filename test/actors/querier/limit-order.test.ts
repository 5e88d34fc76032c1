// A log query with a limit reads the store newest (backward) or oldest (forward) piece first and
// stops once nothing unread can be kept: it must answer exactly what reading everything answers
// (ties at one time across streams, entries of one stream pushed at one time, an entry in two
// chunks or in a chunk and in ingester memory given once) while reading a fraction of the chunks.
import test, { type ExecutionContext } from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, TINY_CHUNKS } from '../../helpers/node.ts';
import { metricValue, pushJson, queryRange, waitFor, type StreamsData } from '../../helpers/loki.ts';
import { formatLabels, sortLabels } from '../../../model/labels.ts';
import { streamHash } from '../../../model/stream-hash.ts';

const S = 1_000_000_000n;
/** Every stream has an entry at each of these times: every one is a tie across streams. */
const PER_ROUND = 20;
const STREAMS = ['a', 'b', 'c'];

interface Pushed {
  stream: Record<string, string>;
  ts: bigint;
  line: string;
  /** Push order: entries of one stream at one time come back in it (forward) or its reverse. */
  order: number;
}

/** Far enough back to be in one 30m split of the frontend and recent enough to be accepted. */
function baseTime(): bigint {
  const split = 30n * 60n * S;
  return (BigInt(Date.now()) * 1_000_000n / split) * split - 25n * 60n * S;
}

/**
 * `rounds` pushes of PER_ROUND times for each stream, each round flushed as a chunk of its own
 * before the next. Stream b has a second entry at every fifth time; stream c sends its last entry
 * of rounds 4 and 11 again in the next round, so two of its chunks overlap and hold it twice.
 */
async function pushRounds(url: string, base: bigint, rounds: number): Promise<Pushed[]> {
  const pushed: Pushed[] = [];
  let order = 0;
  const lineOf = (s: string, r: number, k: number) => `${s} r${r} k${k} ${k % 3 ? 'miss' : 'hit'} ${'x'.repeat(48)}`;
  for (let r = 0; r < rounds; r++) {
    const streams = STREAMS.map((s) => {
      const values: Array<[string, string]> = [];
      const add = (ts: bigint, line: string) => {
        values.push([String(ts), line]);
        pushed.push({ stream: { app: 'lim', s }, ts, line, order: order++ });
      };
      if (s === 'c' && (r === 5 || r === 12)) add(base + BigInt(r * PER_ROUND - 1) * S, lineOf(s, r - 1, PER_ROUND - 1));
      for (let k = 0; k < PER_ROUND; k++) {
        const ts = base + BigInt(r * PER_ROUND + k) * S;
        add(ts, lineOf(s, r, k));
        if (s === 'b' && k % 5 === 0) add(ts, `${lineOf(s, r, k)} again`);
      }
      return { stream: { app: 'lim', s }, values };
    });
    const res = await pushJson(url, { streams });
    if (res.status !== 204) throw new Error(`push: ${res.status} ${await res.text()}`);
    await waitFor(`round ${r} flushed`, async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= STREAMS.length * (r + 1));
  }
  return pushed;
}

/**
 * Loki's answer from what was pushed: exact duplicates once; by time in the direction, at one
 * time by stream hash, then in push order (its reverse backward); the first `limit`; streams by
 * their labels' text.
 */
function expected(pushed: Pushed[], direction: 'forward' | 'backward', limit: number, keep: (line: string) => boolean): StreamsData['result'] {
  const seen = new Set<string>();
  const entries = pushed.filter((p) => {
    const id = `${formatLabels(sortLabels(Object.entries(p.stream)))} ${p.ts} ${p.line}`;
    if (seen.has(id) || !keep(p.line)) return false;
    seen.add(id);
    return true;
  });
  const hash = (p: Pushed) => streamHash(sortLabels(Object.entries(p.stream)));
  const fwd = direction === 'forward';
  entries.sort((x, y) => (x.ts !== y.ts ? ((x.ts < y.ts) === fwd ? -1 : 1) : hash(x) !== hash(y) ? (hash(x) < hash(y) ? -1 : 1) : fwd ? x.order - y.order : y.order - x.order));
  const out = new Map<string, StreamsData['result'][number]>();
  for (const p of entries.slice(0, limit)) {
    const text = formatLabels(sortLabels(Object.entries(p.stream)));
    if (!out.has(text)) out.set(text, { stream: p.stream, values: [] });
    out.get(text)!.values.push([String(p.ts), p.line]);
  }
  return [...out].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([, s]) => s);
}

interface StoreStats {
  totalChunksRef: number;
  totalChunksDownloaded: number;
  chunk: { decompressedLines: number };
}
const storeStats = (d: StreamsData) => (d.stats as { querier: { store: StoreStats } }).querier.store;

/** Every limit and direction, with and without a line filter, against the answer from what was pushed. */
async function checkAnswers(t: ExecutionContext, url: string, pushed: Pushed[], range: { start: string; end: string }) {
  const filters: Array<[string, (line: string) => boolean]> = [
    ['{app="lim"}', () => true],
    ['{app="lim"} |= "hit"', (l) => l.includes('hit')],
  ];
  for (const [query, keep] of filters)
    for (const direction of ['backward', 'forward'] as const)
      for (const limit of [1, 2, 4, 5, 17, 31, 100, 1000])
        t.deepEqual((await queryRange(url, { query, ...range, direction, limit: String(limit) })).result, expected(pushed, direction, limit, keep), `${query} ${direction} limit ${limit}`);
}

test('a limited log query answers what a full read answers, ties included, reading a fraction of the chunks', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { ...TINY_CHUNKS, 'ingester.chunk_retain_period': '0s' });
  const base = baseTime();
  const rounds = 20;
  const pushed = await pushRounds(url, base, rounds);
  await waitFor('flushed chunks to leave memory', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);
  const range = { start: String(base), end: String(base + BigInt(rounds * PER_ROUND) * S) };

  await checkAnswers(t, url, pushed, range);

  // the whole answer reads every chunk; the newest 5 only a few of them
  const unique = expected(pushed, 'backward', Infinity, () => true).reduce((n, s) => n + s.values.length, 0);
  const full = await queryRange(url, { query: '{app="lim"}', ...range, limit: '5000' });
  t.is(full.result.reduce((n, s) => n + s.values.length, 0), unique);
  const all = storeStats(full);
  t.true(all.totalChunksRef >= STREAMS.length * rounds, `${all.totalChunksRef} chunks`);
  t.is(all.totalChunksDownloaded, all.totalChunksRef);
  for (const direction of ['backward', 'forward'])
    for (const query of ['{app="lim"}', '{app="lim"} |= "hit"']) {
      const few = storeStats(await queryRange(url, { query, ...range, direction, limit: '5' }));
      t.is(few.totalChunksRef, all.totalChunksRef);
      t.true(few.totalChunksDownloaded < all.totalChunksRef / 2, `${query} ${direction}: ${few.totalChunksDownloaded} of ${all.totalChunksRef} chunks downloaded`);
      t.true(few.chunk.decompressedLines < all.chunk.decompressedLines / 10, `${query} ${direction}: ${few.chunk.decompressedLines} of ${all.chunk.decompressedLines} lines decompressed`);
    }
});

test('an entry flushed to the store and still in ingester memory is answered once by a limited query', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { ...TINY_CHUNKS, 'ingester.chunk_retain_period': '1h' });
  const base = baseTime();
  const rounds = 6;
  const pushed = await pushRounds(url, base, rounds);
  // every chunk is in the store and, retained, in the ingester's memory too
  t.is(await metricValue(url, 'loki_ingester_memory_streams'), STREAMS.length);
  await checkAnswers(t, url, pushed, { start: String(base), end: String(base + BigInt(rounds * PER_ROUND) * S) });
});
