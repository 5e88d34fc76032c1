// Installs what `npm start`, `npm test` and the rest need and are missing: npm dependencies
// (with their native builds) and nats-server from Debian's package. Plain JS: it runs before
// any dependency exists.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.error(`[setup] ${msg}`);

function fail(msg) {
  console.error(`\n[setup] ${msg}\n`);
  process.exit(1);
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) fail(`Muninn needs Node.js 20 or newer; this is ${process.version}.`);

const run = (cmd) => {
  say(`running: ${cmd}`);
  const r = spawnSync(cmd, { cwd: root, stdio: 'inherit', shell: true });
  if (r.status !== 0) fail(`'${cmd}' failed (exit ${r.status}).`);
};

/** True when every native module loads: a missing or stale build needs an install. */
function nativeModulesLoad() {
  const req = createRequire(join(root, 'package.json'));
  try {
    for (const m of ['better-sqlite3', 're2', 'lz4-napi', 'snappy', 'nats', 'msgpackr', 'tsx/package.json']) req(m);
    new (req('better-sqlite3'))(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale || !nativeModulesLoad()) {
  run('npm ci --no-audit --no-fund');
  if (!nativeModulesLoad()) run('npm rebuild better-sqlite3 re2');
  if (!nativeModulesLoad()) fail('native modules (better-sqlite3, re2) did not build; is a C++ toolchain installed (apt-get install build-essential python3)?');
}

const onPath = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
if (!onPath('nats-server')) {
  const root_ = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root_) fail('nats-server is not installed. Run as root:  apt-get update && apt-get install -y nats-server  (or put nats-server on PATH), then try again.');
  say('nats-server not found; installing Debian\'s package');
  run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server');
  if (!onPath('nats-server')) fail('nats-server is still not on PATH after apt-get install.');
}
try {
  say(`ready: node ${process.version}, ${execSync('nats-server --version').toString().trim()}`);
} catch {
  say(`ready: node ${process.version}`);
}
