import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { startTestNode } from '../helpers/node.ts';
import { startS3 } from '../helpers/s3.ts';
import { flatten, metricValue, pushJson, queryRange, streamBody, waitFor } from '../helpers/loki.ts';

test('with the S3 backend, flushed chunks and index live in the bucket and are read back exactly', async (t) => {
  const nats = await startNats(t);
  const s3 = await startS3(t);
  const { url } = await startTestNode(t, nats.url, {
    ...s3.flags,
    'ingester.chunk_idle_period': '500ms',
    'ingester.flush_check_period': '100ms',
    'ingester.chunk_retain_period': '0s',
  });
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const values = Array.from({ length: 200 }, (_, i) => [String(t0 + BigInt(i) * 1000n), `s3 line ${i}`] as [string, string]);
  t.is((await pushJson(url, streamBody({ job: 's3', region: 'eu' }, values))).status, 204);
  await waitFor('the chunk to flush', async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total', { reason: 'idle' })) >= 1);
  await waitFor('memory to empty', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);

  // the bucket holds the chunk and the index file
  const list = await (await fetch(`${s3.endpoint}/${s3.bucket}?list-type=2`)).text();
  t.regex(list, /<Key>fake\/chunks\/[0-9a-f]{16}\//);
  t.regex(list, /<Key>index\/fake\//);

  const got = await queryRange(url, { query: '{job="s3"}', since: '5m', limit: '1000', direction: 'forward' });
  t.deepEqual(flatten(got), values.map(([ts, l]) => `${ts} ${l}`));
});
