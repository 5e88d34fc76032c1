// A gzip bomb pushed to a real node is refused with 413 before it is inflated, memory stays near the bound,
// and the node keeps serving.
import { readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { spawnNode, tempDir } from '../../helpers/node.ts';
import { pushJson, streamBody } from '../../helpers/loki.ts';

const MiB = 1 << 20;
const bound = 16 * MiB;
const now = () => String(BigInt(Date.now()) * 1_000_000n);

/** gzip of `n` MiB of zeros, streamed so that the zeros are never held at once. */
async function gzipOfZeros(n: number): Promise<Buffer<ArrayBuffer>> {
  const zeros = Buffer.alloc(MiB);
  const parts: Buffer[] = [];
  const mebibytes = function* () {
    for (let i = 0; i < n; i++) yield zeros;
  };
  for await (const chunk of Readable.from(mebibytes()).pipe(createGzip({ level: 9 }))) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

const memoryKiB = async (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]);

test('a 1 MB gzip body inflating to 1 GB gets 413, the node grows by less than twice the bound, and a push after it gets 204', async (t) => {
  const nats = await startNats(t);
  const [node, bomb] = await Promise.all([
    spawnNode(t, nats.url, await tempDir(t), { 'server.max_request_body_bytes': String(bound) }),
    gzipOfZeros(1024),
  ]);
  t.true(bomb.length < bound, `the bomb is ${bomb.length} bytes as sent: only its inflation is over the bound`);
  const pid = node.child.pid!;

  // a first push loads the push path, so the baseline is a serving node's
  t.is((await pushJson(node.url, streamBody({ job: 'bomb' }, [[now(), 'before']]))).status, 204);
  // "5" resets the peak (VmHWM) to the current RSS: the peak read afterwards is this request's, not startup's
  await writeFile(`/proc/${pid}/clear_refs`, '5');
  const baseline = await memoryKiB(pid, 'VmRSS');

  const headers = { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' };
  const res = await fetch(`${node.url}/loki/api/v1/push`, { method: 'POST', headers, body: bomb });
  t.is(res.status, 413);
  t.regex(await res.text(), new RegExp(`request body too large: decompressed size over ${bound} bytes`));
  const peak = await memoryKiB(pid, 'VmHWM');
  t.log(`RSS baseline ${baseline} KiB, peak ${peak} KiB, growth ${peak - baseline} KiB; bound ${bound / 1024} KiB`);
  t.true((peak - baseline) * 1024 < 2 * bound, `RSS grew by ${peak - baseline} KiB`);

  t.is((await pushJson(node.url, streamBody({ job: 'bomb' }, [[now(), 'after']]))).status, 204);
});
