// Reads the YAML file, flags and environment over the defaults; an unknown key stops startup, named.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseMatchers } from '../logql/parser/index.ts';
import { parseDuration } from '../logql/parser/units.ts';
import { CHUNK_ENCODINGS, DELETION_MODES, defaults, type Config, type RetentionStream } from './defaults.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Lays `over` onto a copy of `base`, refusing keys base does not have and values of another type. */
function overlay(base: Tree, over: Tree, path: string): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const key = path ? `${path}.${k}` : k;
    if (!(k in base)) throw new ConfigError(`unknown configuration key ${key}`);
    const b = base[k];
    if (Array.isArray(b)) {
      // a list from a flag is written as YAML: --limits_config.retention_stream='[{selector: …}]'
      const list = typeof v === 'string' ? parseYaml(v) : v;
      if (!Array.isArray(list)) throw new ConfigError(`configuration key ${key} must be a list`);
      out[k] = list;
    } else if (isTree(b)) {
      if (!isTree(v)) throw new ConfigError(`configuration key ${key} must be a map`);
      out[k] = overlay(b, v, key);
    } else if (typeof b === 'number') {
      const n = typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new ConfigError(`configuration key ${key} must be a number, got ${JSON.stringify(v)}`);
      out[k] = n;
    } else if (typeof b === 'boolean') {
      const x = v === 'true' ? true : v === 'false' ? false : v;
      if (typeof x !== 'boolean') throw new ConfigError(`configuration key ${key} must be true or false, got ${JSON.stringify(v)}`);
      out[k] = x;
    } else {
      if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(`configuration key ${key} must be a string`);
      out[k] = String(v);
    }
  }
  return out;
}

/** Every string value whose key names a period, age or other span of time must parse as a duration. */
const DURATION_KEYS = /(_period|_age|_interval|_timeout|_window|_within|_length|_delay|_ttl)$/;

function checkDurations(t: Tree, path: string): void {
  for (const [k, v] of Object.entries(t)) {
    const key = path ? `${path}.${k}` : k;
    if (isTree(v)) checkDurations(v, key);
    else if (typeof v === 'string' && DURATION_KEYS.test(k)) {
      try {
        parseDuration(String(v));
      } catch {
        throw new ConfigError(`configuration key ${key}: invalid duration ${JSON.stringify(v)}`);
      }
    }
  }
}

/**
 * limits_config.retention_stream's rules, as Loki checks them: a selector, a whole priority and a
 * period of 24h or more. Returns them with each period as a duration string.
 */
export function checkRetentionStreams(rules: unknown[], path: string): RetentionStream[] {
  return rules.map((r, i) => {
    const at = `${path}[${i}]`;
    if (!isTree(r)) throw new ConfigError(`${at} must be a map of selector, priority and period`);
    for (const k of Object.keys(r)) if (!['selector', 'priority', 'period'].includes(k)) throw new ConfigError(`unknown configuration key ${at}.${k}`);
    const selector = String(r.selector ?? '');
    try {
      parseMatchers(selector);
    } catch (err) {
      throw new ConfigError(`${at}.selector: invalid labels matchers: ${(err as Error).message}`);
    }
    const priority = Number(r.priority ?? 0);
    if (!Number.isInteger(priority)) throw new ConfigError(`${at}.priority must be a whole number`);
    const period = String(r.period ?? '');
    let ns: number;
    try {
      ns = parseDuration(period);
    } catch {
      throw new ConfigError(`${at}.period: invalid duration ${JSON.stringify(r.period)}`);
    }
    if (ns < 86_400e9) throw new ConfigError(`${at}: retention period must be >= 24h was ${period}`);
    return { selector, priority, period };
  });
}

/** Keys that take one of a few words. */
const CHOICES: Record<string, readonly string[]> = {
  'ingester.chunk_encoding': CHUNK_ENCODINGS,
  'limits_config.ingestion_rate_strategy': ['global', 'local'],
  'limits_config.deletion_mode': DELETION_MODES,
};

/** Checks the CHOICES keys under `section` of `t` (the whole tree when none), naming a bad one by `path`. */
function checkChoices(t: Tree, section = '', path = ''): void {
  for (const [key, allowed] of Object.entries(CHOICES)) {
    if (section && !key.startsWith(`${section}.`)) continue;
    const rest = section ? key.slice(section.length + 1) : key;
    const v = rest.split('.').reduce<unknown>((at, k) => (isTree(at) ? at[k] : undefined), t);
    const name = path ? `${path}.${rest}` : key;
    if (!allowed.includes(String(v))) throw new ConfigError(`configuration key ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
}

/**
 * `over` laid onto `base` as a configuration file's section is, every key checked the same way
 * (unknown keys, types, durations): runtime overrides are read so.
 */
export function overlaySection(base: object, over: unknown, path: string, section: string): Tree {
  if (!isTree(over)) throw new ConfigError(`${path} must be a map`);
  const out = overlay(base as Tree, over, path);
  checkDurations(out, path);
  if (Array.isArray(out.retention_stream)) out.retention_stream = checkRetentionStreams(out.retention_stream, `${path}.retention_stream`);
  checkChoices(out, section, path);
  return out;
}

/** `--server.http_listen_port=3200` → { server: { http_listen_port: '3200' } } */
function flagsToTree(flags: Record<string, string>): Tree {
  const t: Tree = {};
  for (const [name, value] of Object.entries(flags)) {
    const parts = name.split('.');
    let at = t;
    for (const p of parts.slice(0, -1)) at = (at[p] = isTree(at[p]) ? at[p] : {}) as Tree;
    at[parts[parts.length - 1]] = value;
  }
  return t;
}

export interface LoadOptions {
  file?: string;
  flags?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  let tree = defaults as unknown as Tree;
  if (opts.file) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read configuration file ${opts.file}: ${(err as Error).message}`);
    }
    if (doc != null) {
      if (!isTree(doc)) throw new ConfigError(`configuration file ${opts.file} must hold a map`);
      tree = overlay(tree, doc, '');
    }
  }
  const env = opts.env ?? {};
  if (env.NATS_URL) tree = overlay(tree, { nats: { url: env.NATS_URL } }, '');
  if (opts.flags) tree = overlay(tree, flagsToTree(opts.flags), '');
  checkDurations(tree, '');
  checkChoices(tree);
  const limits = tree.limits_config as Tree;
  tree = { ...tree, limits_config: { ...limits, retention_stream: checkRetentionStreams(limits.retention_stream as unknown[], 'limits_config.retention_stream') } };
  return tree as unknown as Config;
}

/** A configured duration in milliseconds. */
export const durationMs = (d: string): number => parseDuration(d) / 1e6;
