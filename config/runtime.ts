// Per-tenant overrides from Loki's runtime config file (runtime_config.file), read again every
// runtime_config.period, so a tenant's limits change without a restart. A file that does not read
// or does not check is logged and the last good one kept.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, stringify } from 'yaml';
import type { Config } from './defaults.ts';
import { ConfigError, overlaySection } from './load.ts';

type LimitsConfig = Config['limits_config'];

/**
 * The limits_config keys an override may set: the push limits, which the distributor reads per
 * tenant; retention, which the compactor reads per tenant at each run; and deletion_mode, which the
 * delete API, queriers and the compactor read per tenant. The rest (query limits,
 * ingestion_rate_strategy, as in Loki) are read once, for every tenant, so an override of them is
 * refused rather than silently ignored.
 */
export const TENANT_LIMIT_KEYS = [
  'max_line_size',
  'max_line_size_truncate',
  'max_label_names_per_series',
  'max_label_name_length',
  'max_label_value_length',
  'reject_old_samples',
  'reject_old_samples_max_age',
  'creation_grace_period',
  'ingestion_rate_mb',
  'ingestion_burst_size_mb',
  'max_global_streams_per_user',
  'retention_period',
  'retention_stream',
  'deletion_mode',
] as const satisfies ReadonlyArray<keyof LimitsConfig>;

/** Each overridden tenant's whole limits_config, and the overrides as written. */
export interface RuntimeValues {
  limits: Map<string, LimitsConfig>;
  overrides: Record<string, Record<string, unknown>>;
}

/** Reads a runtime config file's text: `overrides: { <tenant>: { <key>: <value> } }`; throws ConfigError naming what is wrong. */
export function parseRuntimeConfig(text: string, base: LimitsConfig): RuntimeValues {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`runtime config: ${(err as Error).message}`);
  }
  const out: RuntimeValues = { limits: new Map(), overrides: {} };
  if (doc == null) return out;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('runtime config must hold a map');
  for (const key of Object.keys(doc)) if (key !== 'overrides') throw new ConfigError(`unknown runtime config key ${key}`);
  const overrides = (doc as { overrides?: unknown }).overrides;
  if (overrides == null) return out;
  if (typeof overrides !== 'object' || Array.isArray(overrides)) throw new ConfigError('runtime config key overrides must be a map of tenants');
  const allowed = new Set<string>(TENANT_LIMIT_KEYS);
  for (const [tenant, over] of Object.entries(overrides as Record<string, unknown>)) {
    const path = `overrides.${tenant}`;
    const merged = overlaySection(base, over ?? {}, path, 'limits_config') as unknown as LimitsConfig;
    for (const key of Object.keys(over ?? {}))
      if (!allowed.has(key)) throw new ConfigError(`${path}.${key} cannot be set per tenant; these can: ${TENANT_LIMIT_KEYS.join(', ')}`);
    out.limits.set(tenant, merged);
    out.overrides[tenant] = (over ?? {}) as Record<string, unknown>;
  }
  return out;
}

export interface RuntimeLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class RuntimeConfig {
  private values: RuntimeValues = { limits: new Map(), overrides: {} };
  private lastText: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Whether the last read of the file was good (loki_runtime_config_last_reload_successful). */
  lastReloadOk = true;

  constructor(
    private readonly base: LimitsConfig,
    private readonly file: string,
    private readonly periodMs: number,
    private readonly log: RuntimeLog,
  ) {}

  /** Reads the file once (a bad one stops startup, as Loki's does) and then every period. */
  async start(): Promise<void> {
    if (!this.file) return;
    await this.reload(true);
    this.timer = setInterval(() => void this.reload(false), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The tenant's limits: its overrides over limits_config. */
  limits(tenant: string): LimitsConfig {
    return this.values.limits.get(tenant) ?? this.base;
  }

  /** What /runtime_config shows: every overridden tenant's push limits in effect, or (`diff`) the overrides as written. */
  text(diff: boolean): string {
    if (diff) return stringify({ overrides: this.values.overrides });
    const pick = (l: LimitsConfig) => Object.fromEntries(TENANT_LIMIT_KEYS.map((k) => [k, l[k]]));
    return stringify({ overrides: Object.fromEntries([...this.values.limits].map(([t, l]) => [t, pick(l)])) });
  }

  private async reload(first: boolean): Promise<void> {
    try {
      const text = await readFile(this.file, 'utf8');
      if (text !== this.lastText) {
        this.values = parseRuntimeConfig(text, this.base);
        this.lastText = text;
        this.log.info({ file: this.file, tenants: this.values.limits.size }, 'runtime config loaded');
      }
      this.lastReloadOk = true;
    } catch (err) {
      this.lastReloadOk = false;
      if (first) throw err instanceof ConfigError ? err : new ConfigError(`cannot read runtime config file ${this.file}: ${(err as Error).message}`);
      this.log.error({ err, file: this.file }, 'runtime config not reloaded; the last good one stays in effect');
    }
  }
}
