import test from 'ava';
import { batchOf, type EntryBatch } from '../../../model/batch.ts';
import { Deadline } from '../../../logql/eval/deadline.ts';
import { QueryError, QueryTimeoutError, type Source } from '../../../logql/eval/index.ts';
import { compilePipeline } from '../../../logql/pipeline/index.ts';
import { parseExpr } from '../../../logql/parser/index.ts';
import { compileTemplate } from '../../../logql/template/index.ts';
import { instant, range, run, S, sourceOf, stream } from './fixtures.ts';

const TIMED_OUT =
  'Request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed.';

/** Runs f with Date.now answering `now` instead; the tests that use it are serial, so no other test sees it. */
async function withClock<T>(now: () => number, f: () => T | Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = now;
  try {
    return await f();
  } finally {
    Date.now = real;
  }
}

/** A clock an hour late from its second look on: every loop's first look finds the deadline past. */
function lateAfterFirstLook(): () => number {
  const t0 = Date.now();
  let looks = 0;
  return () => (looks++ === 0 ? t0 : t0 + 3_600_000);
}

/** `n` lines of app=x, one per ms from 1ms, made as they are read, counting what was read. */
function manyLines(n: number): Source & { read: () => number } {
  let read = 0;
  return {
    read: () => read,
    async *select() {
      for (let at = 0; at < n; at += 1000) {
        const k = Math.min(1000, n - at);
        read += k;
        yield batchOf([['app', 'x']], Array.from({ length: k }, (_, i) => [BigInt(at + i + 1) * 1_000_000n, `level=info n=${at + i}`] as const));
      }
    },
  };
}

test('the timeout error is Loki\'s deadline error, a 504', (t) => {
  const err = new QueryTimeoutError();
  t.is(err.name, 'TimeoutError');
  t.is(err.status, 504);
  t.is(err.message, TIMED_OUT);
  t.true(err instanceof QueryError);
});

test('without a deadline, or before it, ticking never throws', (t) => {
  const none = new Deadline(undefined);
  const later = new Deadline(Date.now() + 60_000);
  for (let i = 0; i < 10_000; i++) {
    none.tick();
    later.tick(7);
  }
  t.notThrows(() => none.check());
  t.notThrows(() => later.check());
});

test.serial('a deadline is looked at on the first tick, then once per 256 units of work', async (t) => {
  const d = new Deadline(Date.now() + 60_000);
  await withClock(lateAfterFirstLook(), () => {
    d.tick();
    d.tick(255);
    t.throws(() => d.tick(), { instanceOf: QueryTimeoutError });
  });
});

test('queries already past their deadline are refused before any work', async (t) => {
  const source = sourceOf([stream({ app: 'x' }, [[1, 'a']])]);
  const deadline = Date.now() - 1;
  for (const q of ['{app="x"}', 'count_over_time({app="x"}[5s])', 'vector(1) + vector(2)']) {
    const err = await t.throwsAsync(() => run(q, instant(5, { deadline }), source), { instanceOf: QueryTimeoutError }, q);
    t.is(err!.status, 504, q);
    t.is(err!.message, TIMED_OUT, q);
  }
  t.deepEqual(source.calls, []);
});

test('a deadline passing while a log query reads a large source stops it', async (t) => {
  const source = manyLines(1_000_000);
  const q = '{app="x"} | logfmt | line_format "{{ .level }} {{ __line__ }}"';
  await t.throwsAsync(() => run(q, range(0, 2000, 1, { deadline: Date.now() + 20 }), source), { instanceOf: QueryTimeoutError });
  t.true(source.read() < 1_000_000, `read ${source.read()} lines`);
});

test('a deadline passing while a metric query of pathological templates runs stops it', async (t) => {
  const source = manyLines(1_000_000);
  const chain = Array(20).fill('| label_format a="{{.a}}{{.a}}"').join(' ');
  const q = `sum by (app) (count_over_time({app="x"} | label_format a="xy" ${chain} [1h]))`;
  await t.throwsAsync(() => run(q, instant(2000, { deadline: Date.now() + 20 }), source), { instanceOf: QueryTimeoutError });
  t.true(source.read() < 1_000_000, `read ${source.read()} lines`);
});

test.serial('every evaluation loop looks at the deadline', async (t) => {
  const source = sourceOf([stream({ app: 'x' }, [[1, 'a'], [2, 'b']])]);
  const deadline = Date.now() + 60_000;
  for (const q of ['{app="x"}', 'count_over_time({app="x"}[5s])', 'sum(vector(1))', 'topk(1, vector(1))', 'vector(1) * 2', 'vector(1) + vector(2)']) {
    await withClock(lateAfterFirstLook(), () =>
      t.throwsAsync(() => run(q, range(0, 10, 1, { deadline }), source), { instanceOf: QueryTimeoutError }, q),
    );
  }
});

test.serial('a range aggregation looks at the deadline while it walks its series over the steps', async (t) => {
  const t0 = Date.now();
  let late = false;
  const lines = sourceOf([stream({ app: 'x' }, [[1, 'a'], [2, 'b']])]);
  const source: Source = {
    async *select(matchers, start, end) {
      yield* lines.select(matchers, start, end) as AsyncIterable<EntryBatch>;
      late = true;
    },
  };
  await withClock(
    () => (late ? t0 + 3_600_000 : t0),
    () => t.throwsAsync(() => run('count_over_time({app="x"}[5s])', range(0, 10_000, 1, { deadline: t0 + 60_000 }), source), { instanceOf: QueryTimeoutError }),
  );
});

test.serial('a deadline met inside a template ends the query instead of marking the entry', async (t) => {
  const e = parseExpr(`{app="x"} | line_format "{{ range $i, $x := fromJson \\"[${Array(300).fill(1).join(',')}]\\" }}{{ $i }}{{ end }}"`);
  if (e.kind !== 'log') throw new Error('not a log query');
  const p = compilePipeline(e.pipeline, undefined, { deadline: Date.now() + 60_000 });
  const batch = batchOf([['app', 'x']], [[S, 'a']]);
  // the pipeline looks at its first line, the template again 256 iterations later
  await withClock(lateAfterFirstLook(), () => {
    t.throws(() => p.run(batch, () => t.fail('an entry was emitted')), { instanceOf: QueryTimeoutError });
  });
});

test('a template ranging past its deadline throws QueryTimeoutError', (t) => {
  const tpl = compileTemplate('{{ range $i, $x := fromJson "[1,2,3]" }}{{ $x }}{{ end }}');
  const ctx = { labels: {}, line: '', ts: 0n };
  t.throws(() => tpl.render(ctx, { deadline: new Deadline(Date.now() - 1) }), { instanceOf: QueryTimeoutError });
  t.is(tpl.render(ctx, { deadline: new Deadline(Date.now() + 60_000) }), '123');
});
