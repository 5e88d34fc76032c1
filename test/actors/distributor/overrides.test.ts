// A tenant's limits change with the runtime config file, without a restart, and only that
// tenant's; a bad file is logged and the last good one stays in effect.
import test from 'ava';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir } from '../../helpers/node.ts';
import { get, metricValue, pushJson, streamBody, waitFor } from '../../helpers/loki.ts';

const line = 'x'.repeat(100);
/** Written whole, then renamed over the file, as a config map is swapped: a reload never reads half a file. */
async function replace(file: string, text: string) {
  await writeFile(`${file}.new`, text);
  await rename(`${file}.new`, file);
}
const pushLine = (url: string, tenant: string) => pushJson(url, streamBody({ app: 'o' }, [[String(BigInt(Date.now()) * 1_000_000n), line]]), { tenant });

test('an override read at runtime changes one tenant\'s limit, the others keep the defaults, and a bad file keeps the last good one', async (t) => {
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const file = join(dir, 'runtime.yaml');
  await writeFile(file, 'overrides:\n  small:\n    max_line_size: 50\n');
  const { url } = await startTestNode(t, nats.url, { 'runtime_config.file': file, 'runtime_config.period': '100ms' });

  const refused = await pushLine(url, 'small');
  t.is(refused.status, 400);
  t.regex(await refused.text(), /^Max entry size '50' bytes exceeded for stream '\{app="o"\}' while adding an entry with length '100' bytes/);
  t.is((await pushLine(url, 'other')).status, 204, 'another tenant keeps limits_config');
  t.is(await (await get(url, '/runtime_config', { mode: 'diff' })).text(), 'overrides:\n  small:\n    max_line_size: 50\n');
  t.regex(await (await get(url, '/runtime_config')).text(), /small:\n {4}max_line_size: 50\n {4}max_line_size_truncate: false\n/);

  // raised without a restart
  await replace(file, 'overrides:\n  small:\n    max_line_size: 500\n  other:\n    max_line_size: 10\n');
  await waitFor('the new override to take effect', async () => (await pushLine(url, 'small')).status === 204, 5000);
  t.is((await pushLine(url, 'other')).status, 400);

  // a file that does not check is not taken: the last good one stays
  await replace(file, 'overrides:\n  small:\n    max_line_size: huge\n');
  await new Promise((r) => setTimeout(r, 500));
  t.is((await pushLine(url, 'small')).status, 204);
  t.is((await pushLine(url, 'other')).status, 400);
  t.is(await metricValue(url, 'loki_discarded_samples_total', { reason: 'line_too_long', tenant: 'other' }), 2);
});
