// A querier thread that ends (stuck past the query timeout and terminated, or failed) is replaced by
// a new one in the same process. Line filters and regular expressions are RE2 (a native module);
// re2 before 1.24 crashed the whole process when a thread loaded it after another thread that had
// loaded it ended, so a replaced querier thread took its node down. Run in a child process: that
// crash would end the test runner too.
import test from 'ava';
import { spawnSync } from 'node:child_process';

const script = `
const { Worker } = require('node:worker_threads');
const body = "const RE2 = require('re2'); if (!new RE2('a+b').test('xaab')) process.exit(3);";
const run = () => new Promise((resolve, reject) => {
  const w = new Worker(body, { eval: true });
  w.on('error', reject);
  w.on('exit', resolve);
});
(async () => {
  for (let i = 0; i < 3; i++) if ((await run()) !== 0) process.exit(2);
  console.log('three threads, one after another, each loaded RE2');
})();
`;

test('threads that load RE2 one after another, each after the last ended, leave the process running', (t) => {
  const r = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
  t.is(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr.slice(0, 500)}`);
  t.regex(r.stdout, /three threads/);
});
