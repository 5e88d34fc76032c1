// promtail's `regex` stage: the named groups of an RE2 expression, matched against the line or an
// extracted value (`source`), become extracted values; no match changes nothing.
import RE2 from 're2';
import { ConfigError } from '../../../config/index.ts';
import { checkKeys, str } from '../config.ts';
import { valueString } from '../entry.ts';
import type { StageFactory } from './stage.ts';

export const regexStage: StageFactory = (cfg, where, next) => {
  const c = checkKeys(cfg, ['expression', 'source'], where);
  const re = compile(str(c.expression, `${where}.expression`), where);
  const source = c.source === undefined ? undefined : str(c.source, `${where}.source`);
  return {
    push(e) {
      const input = source === undefined ? e.line : valueString(e.extracted.get(source));
      const groups = input === undefined ? undefined : re.exec(input)?.groups;
      if (groups) for (const [k, v] of Object.entries(groups)) e.extracted.set(k, v ?? '');
      next(e);
    },
  };
};

export function compile(expr: string, where: string): RE2 {
  try {
    return new RE2(expr);
  } catch (err) {
    throw new ConfigError(`${where}: invalid regular expression ${JSON.stringify(expr)}: ${(err as Error).message}`);
  }
}
