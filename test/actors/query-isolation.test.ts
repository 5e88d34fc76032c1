import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { spawnNode, tempDir } from '../helpers/node.ts';
import { get, pushJson } from '../helpers/loki.ts';
import { p99, startLoad } from '../helpers/load.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QUERY_TIMEOUT_MS = 5000;

async function timed(url: string, params: Record<string, string>): Promise<{ status: number; text: string; ms: number }> {
  const began = Date.now();
  const res = await get(url, '/loki/api/v1/query_range', params);
  return { status: res.status, text: await res.text(), ms: Date.now() - began };
}

test('template bombs answer at once with TemplateFormatErr, a query past query_timeout answers 504 within a second of it, and pushes keep their latency meanwhile', async (t) => {
  t.timeout(180_000);
  const nats = await startNats(t);
  const node = await spawnNode(t, nats.url, await tempDir(t), {
    'querier.query_timeout': `${QUERY_TIMEOUT_MS}ms`,
    'limits_config.ingestion_rate_mb': '100000',
    'limits_config.ingestion_burst_size_mb': '200000',
  });
  const url = node.url;
  const t0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
  // 20,000 lines over the last hour, each with a number to unwrap
  for (let b = 0; b < 10; b++) {
    const values = Array.from({ length: 2000 }, (_, i) => {
      const n = b * 2000 + i;
      return [String(t0 + BigInt(n) * 180_000_000n), `n=${n} latency=${(n * 7919) % 1000} msg="some text to format"`] as [string, string];
    });
    t.is((await pushJson(url, { streams: [{ stream: { app: 'x' }, values }] })).status, 204);
  }
  const range = { start: String(t0), end: String(BigInt(Date.now()) * 1_000_000n) };

  const pushes = startLoad(t, { url: () => url, job: 'latency', streams: 8, batchLines: 100, streamLines: 50, concurrency: 2, pauseMs: 20 });
  await sleep(4000);
  const quiet = pushes.latencies.length;
  const p99Quiet = p99(pushes.latencies);

  const chain = Array.from({ length: 24 }, () => '| label_format a="{{.a}}{{.a}}"').join(' ');
  const [repeatBomb, labelBomb, slow] = await Promise.all([
    timed(url, { ...range, query: '{app="x"} | line_format `{{ repeat 10000000 "x" }}`', limit: '10' }),
    timed(url, { ...range, query: `{app="x"} | label_format a="xx" ${chain}`, limit: '10' }),
    // every one of 10,900 steps sorts the 20,000 samples of a three-hour window: far past the timeout
    timed(url, { ...range, query: 'quantile_over_time(0.99, {app="x"} | logfmt | unwrap latency [3h]) by (app)', step: '0.33' }),
  ]);
  const ready = await fetch(`${url}/ready`);
  await pushes.stop();
  const p99Busy = p99(pushes.latencies.slice(quiet));
  t.log(`push p99: ${p99Quiet.toFixed(0)} ms without a query, ${p99Busy.toFixed(0)} ms with the three running; slow query answered in ${slow.ms} ms`);

  t.is(repeatBomb.status, 200, repeatBomb.text.slice(0, 300));
  t.regex(repeatBomb.text, /"__error__":"TemplateFormatErr"/);
  t.is(labelBomb.status, 200, labelBomb.text.slice(0, 300));
  t.regex(labelBomb.text, /"__error__":"TemplateFormatErr"/);
  t.true(repeatBomb.text.length < 1_000_000 && labelBomb.text.length < 20_000_000, 'bounded answers');

  t.is(slow.status, 504, slow.text.slice(0, 300));
  t.is(slow.text.trim(), 'Request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed.');
  t.true(slow.ms < QUERY_TIMEOUT_MS + 1500, `answered ${slow.ms} ms after it was asked, query_timeout ${QUERY_TIMEOUT_MS} ms`);

  t.is(ready.status, 200);
  t.true(pushes.refusals.size === 0, `no push refused: ${JSON.stringify(Object.fromEntries(pushes.refusals))}`);
  // evaluation runs on querier threads: pushes are not held up behind it
  t.true(p99Busy < 1000, `push p99 while the queries ran: ${p99Busy.toFixed(0)} ms`);
});
