// count_over_time, rate, bytes_over_time and bytes_rate over a bare selector add windows up from
// stretches of entries, taking a stretch that no window edge cuts by its totals alone: the
// answers must be those of the entry-by-entry path (forced here by an empty line filter) at every
// alignment of range, step, offset and start.
import test from 'ava';
import { batchInRange, batchOf, sliceBatch, type EntryBatch } from '../../../model/batch.ts';
import { compileMatchers } from '../../../model/matchers.ts';
import type { Labels } from '../../../model/labels.ts';
import type { Source, Span } from '../../../logql/eval/index.ts';
import { S, instant, range, run } from './fixtures.ts';

const MS = 1_000_000n;

/** Entries every few hundred ms over a minute, some at one time, a few with structured metadata. */
function streamOf(labels: Labels, seed: number, meta: boolean): EntryBatch {
  const entries: Array<[bigint, string, Labels?]> = [];
  let t = 0n;
  for (let i = 0; t < 60n * S; i++) {
    t += BigInt(((i * 7919 + seed * 104729) % 900) + (i % 9 === 0 ? 0 : 50)) * MS;
    entries.push([t, 'x'.repeat((i * 31 + seed) % 40), meta && i % 11 === 0 ? [['trace', `t${i % 3}`]] : undefined]);
    if (i % 13 === 0) entries.push([t, `again ${i}`]);
  }
  return batchOf(labels, entries);
}

const streams = [
  streamOf([['app', 'c'], ['pod', '1']], 1, false),
  streamOf([['app', 'c'], ['pod', '2']], 2, false),
  streamOf([['app', 'c'], ['pod', '3']], 3, true),
];

/** A source whose count gives stretches of 4 entries as Spans wherever `whole` allows. */
function countable(batches: EntryBatch[]): Source & { spans: number } {
  const source = {
    spans: 0,
    async *select(matchers: Parameters<Source['select']>[0], start: bigint, end: bigint) {
      const match = compileMatchers(matchers);
      for (const b of batches) if (match(b.labels)) yield batchInRange(b, start, end);
    },
    async *count(matchers: Parameters<Source['select']>[0], start: bigint, end: bigint, whole: (min: bigint, max: bigint) => boolean): AsyncIterable<EntryBatch | Span> {
      for await (const b of source.select(matchers, start, end))
        for (let i = 0; i < b.ts.length; i += 4) {
          const part = sliceBatch(b, i, Math.min(i + 4, b.ts.length));
          const n = part.ts.length;
          if (part.metadata || !whole(part.ts[0], part.ts[n - 1])) yield part;
          else {
            source.spans++;
            yield { labels: b.labels, minTs: part.ts[0], maxTs: part.ts[n - 1], entries: n, bytes: part.offsets[n] - part.offsets[0] };
          }
        }
    },
  };
  return source;
}

test('counts from stretches equal counts entry by entry, at every alignment', async (t) => {
  const src = countable(streams);
  const ops = ['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate'];
  let cases = 0;
  for (const r of ['1s', '2500ms', '10s', '30s'])
    for (const offset of ['', ' offset 1500ms'])
      for (const [from, to, step] of [[0, 60, 0.5], [0.25, 60, 1], [13.7, 59.3, 3], [1, 61, 7]])
        for (const [k, op] of ops.entries()) {
          const inner = (filter: string) => `${op}({app="c"}${filter} [${r}]${offset})`;
          const wrap = ['', 'sum', 'sum by (pod)', 'sum without (trace)'][(k + cases) % 4];
          const q = (filter: string) => (wrap ? `${wrap} (${inner(filter)})` : inner(filter));
          const p = range(from, to, step);
          t.deepEqual(await run(q(''), p, src), await run(q(' |= ""'), p, src), q(''));
          for (const at of [from, to, 30.05])
            t.deepEqual(await run(q(''), instant(at), src), await run(q(' |= ""'), instant(at), src), `${q('')} at ${at}`);
          cases++;
        }
  t.true(src.spans > 1000, `${src.spans} stretches counted whole`);
});

test('a source that gives totals a window cuts is an error, not a wrong count', async (t) => {
  const liar: Source = {
    async *select() {},
    async *count() {
      yield { labels: [['app', 'c']], minTs: 1n * S, maxTs: 9n * S, entries: 5, bytes: 10 };
    },
  };
  await t.throwsAsync(() => run('count_over_time({app="c"}[2s])', instant(5), liar), { message: /a window cuts/ });
});

/**
 * Lines that carry their own length (`size`), so that bytes_over_time over a pipeline can be
 * checked against sum_over_time of the unwrapped size, and counts against a constant label's sum;
 * every seventh line is JSON, which logfmt refuses, and every fifth has no level; some lie on
 * window edges.
 */
function sized(labels: Labels, seed: number): EntryBatch {
  const entries: Array<[bigint, string, Labels?]> = [];
  let t = 0n;
  for (let i = 0; t < 60n * S; i++) {
    t += BigInt(((i * 6007 + seed * 7919) % 700) + (i % 8 === 0 ? 0 : 30)) * MS;
    // some on whole seconds, where windows begin and end
    if (i % 9 === 4) t = (t / S + 1n) * S;
    const level = ['info', 'warn', 'error'][(i + seed) % 3];
    const pad = 'p'.repeat((i * 13 + seed) % 30);
    const line = (size: number) =>
      i % 7 === 3 ? `{"size":${size},"level":"${level}","n":${i},"pad":"${pad}"}` : `size=${size} ${i % 5 === 0 ? '' : `level=${level} `}n=${i} pad=${pad}`;
    // the size field counts itself: settle its width first
    let size = line(0).length;
    while (line(size).length !== size) size = line(size).length;
    entries.push([t, line(size), i % 10 === 0 ? [['trace', `t${i % 3}`]] : undefined]);
  }
  return batchOf(labels, entries);
}

test('counts through a pipeline equal sums of what the lines say of themselves', async (t) => {
  const src = countable([sized([['app', 'p'], ['pod', '1']], 1), sized([['app', 'p'], ['pod', '2']], 2), sized([['app', 'q'], ['pod', '1']], 3)]);
  const pipelines = [
    ['| logfmt | __error__=""', ''],
    ['| logfmt | __error__="" | level="error"', ''],
    ['|= "n=1" | logfmt | __error__=""', ''],
    ['| json | __error__=""', ''],
    ['| logfmt', ' | __error__=""'],
  ];
  let cases = 0;
  let answered = 0;
  for (const [pipeline, after] of pipelines)
    for (const r of ['1s', '10s', '30s'])
      for (const [from, to, step] of [[0, 60, 1], [13.7, 59.3, 3]])
        for (const wrap of ['sum', 'sum by (level)', 'sum by (pod, trace)', 'sum without (n, pad, size)', 'count']) {
          const p = range(from, to, step);
          const q = (inner: string) => `${wrap} (${inner})`;
          // sum_over_time unwraps its label away: a constant label counts the lines
          const counts = [q(`count_over_time({app=~"p|q"} ${pipeline}${after} [${r}])`), q(`sum_over_time({app=~"p|q"} ${pipeline} | label_format one="1"${after} | unwrap one [${r}])`)];
          const bytes = [q(`bytes_over_time({app=~"p|q"} ${pipeline}${after} [${r}])`), q(`sum_over_time({app=~"p|q"} ${pipeline}${after} | unwrap size [${r}])`)];
          for (const [mine, oracle] of [counts, bytes]) {
            const want = await run(oracle, p, src).catch((err: Error) => err);
            if (want instanceof Error) await t.throwsAsync(() => run(mine, p, src), undefined, mine);
            else {
              t.deepEqual(await run(mine, p, src), want, mine);
              if (want.resultType === 'matrix' && want.result.length) answered++;
            }
          }
          cases++;
        }
  t.true(cases >= 150);
  t.true(answered > cases, `${answered} non-empty answers`);
});
