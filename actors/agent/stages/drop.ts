// promtail's `drop` stage: drops an entry when every condition it sets holds: `longer_than`
// (bytes), `older_than` (a duration), `source` (extracted keys, all present; joined by `separator`
// when `expression` or `value` is set), `expression` (RE2, on the joined values or the line),
// `value` (equal to the joined values). Counted under `drop_counter_reason` (drop_stage).
import { ConfigError } from '../../../config/index.ts';
import { checkKeys, ms, str } from '../config.ts';
import { valueString } from '../entry.ts';
import { compile } from './regex.ts';
import type { StageFactory } from './stage.ts';

const SIZE = /^(\d+(?:\.\d+)?)\s*([kKmMgG]i?[bB]|[bB])?$/;
const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

function bytes(v: unknown, where: string): number {
  const m = SIZE.exec(str(v, where));
  if (!m) throw new ConfigError(`${where}: invalid size ${JSON.stringify(v)}`);
  return Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()];
}

export const dropStage: StageFactory = (cfg, where, next, ctx) => {
  const c = checkKeys(cfg, ['source', 'separator', 'expression', 'value', 'older_than', 'longer_than', 'drop_counter_reason'], where);
  const sources = c.source === undefined ? undefined : (Array.isArray(c.source) ? c.source : [c.source]).map((s, i) => str(s, `${where}.source[${i}]`));
  const separator = str(c.separator, `${where}.separator`, ';');
  const re = c.expression === undefined ? undefined : compile(str(c.expression, `${where}.expression`), where);
  const value = c.value === undefined ? undefined : str(c.value, `${where}.value`);
  if (re && value !== undefined) throw new ConfigError(`${where}: expression and value cannot both be set`);
  if (value !== undefined && !sources) throw new ConfigError(`${where}: value needs a source`);
  const olderThanNs = c.older_than === undefined ? undefined : BigInt(Math.round(ms(c.older_than, `${where}.older_than`, '0s'))) * 1_000_000n;
  const longerThan = c.longer_than === undefined ? undefined : bytes(c.longer_than, `${where}.longer_than`);
  const reason = str(c.drop_counter_reason, `${where}.drop_counter_reason`, 'drop_stage');
  if (!sources && !re && olderThanNs === undefined && longerThan === undefined) throw new ConfigError(`${where}: at least one of source, expression, older_than, longer_than is required`);

  const holds = (e: Parameters<typeof next>[0]): boolean => {
    if (longerThan !== undefined && Buffer.byteLength(e.line) <= longerThan) return false;
    if (olderThanNs !== undefined && e.ts >= BigInt(Date.now()) * 1_000_000n - olderThanNs) return false;
    if (!sources) return re ? re.test(e.line) : true;
    const present = sources.filter((s) => e.extracted.has(s));
    if (!re && value === undefined) return present.length === sources.length;
    const joined = present.map((s) => valueString(e.extracted.get(s)) ?? '').join(separator);
    return re ? re.test(joined) : present.length === sources.length && joined === value;
  };
  return { push: (e) => (holds(e) ? ctx.dropped(e, reason) : next(e)) };
};
