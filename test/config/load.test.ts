import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, defaults, loadConfig } from '../../config/index.ts';

const example = 'config/muninn.example.yaml';

function yamlFile(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'muninn-config-')), 'c.yaml');
  writeFileSync(f, text);
  return f;
}

function keysOf(t: Record<string, unknown>, path = ''): string[] {
  return Object.entries(t).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) ? keysOf(v as Record<string, unknown>, `${path}${k}.`) : [`${path}${k}`],
  );
}

test('every configuration key is documented in the example file, with its default', (t) => {
  const documented = parse(readFileSync(example, 'utf8'));
  t.deepEqual(keysOf(documented).sort(), keysOf(defaults).sort());
  t.deepEqual(loadConfig({ file: example }), defaults);
});

test('an unknown key stops loading and is named', (t) => {
  const err = t.throws(() => loadConfig({ file: yamlFile('ingester:\n  chunk_target_sise: 10\n') }));
  t.true(err instanceof ConfigError);
  t.is(err?.message, 'unknown configuration key ingester.chunk_target_sise');
});

test('a bad duration is refused with its key', (t) => {
  const err = t.throws(() => loadConfig({ file: yamlFile('ingester:\n  max_chunk_age: soon\n') }));
  t.regex(err?.message ?? '', /ingester\.max_chunk_age: invalid duration "soon"/);
});

test('a chunk encoding Muninn does not have is refused, naming the ones it has', (t) => {
  const err = t.throws(() => loadConfig({ flags: { 'ingester.chunk_encoding': 'gzip' } }));
  t.true(err instanceof ConfigError);
  t.is(err?.message, 'configuration key ingester.chunk_encoding must be one of lz4, brotli, zstd, got "gzip"');
  t.is(loadConfig({ flags: { 'ingester.chunk_encoding': 'lz4' } }).ingester.chunk_encoding, 'lz4');
});

test('a value of the wrong type is refused', (t) => {
  const err = t.throws(() => loadConfig({ file: yamlFile('server:\n  http_listen_port: lots\n') }));
  t.regex(err?.message ?? '', /server\.http_listen_port must be a number/);
});

test('flags override the file and NATS_URL overrides the default url', (t) => {
  const cfg = loadConfig({
    file: yamlFile('server:\n  http_listen_port: 3200\n'),
    flags: { 'server.http_listen_port': '3300', target: 'ingester' },
    env: { NATS_URL: 'nats://10.0.0.1:4222' },
  });
  t.is(cfg.server.http_listen_port, 3300);
  t.is(cfg.target, 'ingester');
  t.is(cfg.nats.url, 'nats://10.0.0.1:4222');
  t.is(cfg.ingester.chunk_target_size, 1_572_864);
});

test('retention_stream rules are read from the file or a flag, and refused as Loki refuses them', (t) => {
  const rules = [{ selector: '{namespace="dev"}', priority: 1, period: '24h' }];
  t.deepEqual(loadConfig({ file: yamlFile('limits_config:\n  retention_stream:\n  - selector: \'{namespace="dev"}\'\n    priority: 1\n    period: 24h\n') }).limits_config.retention_stream, rules);
  t.deepEqual(loadConfig({ flags: { 'limits_config.retention_stream': '[{selector: \'{namespace="dev"}\', priority: 1, period: 24h}]' } }).limits_config.retention_stream, rules);
  const refused = (yaml: string) => t.throws(() => loadConfig({ file: yamlFile(`limits_config:\n  retention_stream:\n${yaml}`) }), { instanceOf: ConfigError })?.message;
  t.is(refused("  - selector: '{app=\"a\"}'\n    priority: 1\n    period: 5h\n"), 'limits_config.retention_stream[0]: retention period must be >= 24h was 5h');
  t.regex(refused("  - selector: 'app=a'\n    period: 48h\n") ?? '', /^limits_config\.retention_stream\[0\]\.selector: invalid labels matchers/);
  t.is(refused("  - selector: '{app=\"a\"}'\n    period: 48h\n    name: x\n"), 'unknown configuration key limits_config.retention_stream[0].name');
  // Loki 2.8 checks only the rules' periods: a short retention_period is taken
  t.is(loadConfig({ flags: { 'limits_config.retention_period': '1h' } }).limits_config.retention_period, '1h');
});
