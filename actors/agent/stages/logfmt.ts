// promtail's `logfmt` stage: `mapping` (name: logfmt key, empty for the name itself) takes values
// from the line, or from an extracted value (`source`). The line is read by LogQL's logfmt parser
// (logql/pipeline/logfmt.ts), which names keys as LogQL labels: a key that is no valid label name
// is found under its sanitized name (`a.b` as `a_b`). A syntax error keeps what came before it.
import type { LogfmtStage } from '../../../logql/ast.ts';
import { LabelSet } from '../../../logql/pipeline/label-set.ts';
import { logfmtStep } from '../../../logql/pipeline/logfmt.ts';
import { sanitize } from '../../../logql/pipeline/parsers.ts';
import { ConfigError } from '../../../config/index.ts';
import { checkKeys, isTree, str } from '../config.ts';
import { valueString } from '../entry.ts';
import type { StageFactory } from './stage.ts';

const EVERY_KEY: LogfmtStage = { type: 'logfmt', strict: false, keepEmpty: false, params: [] };
const NO_STREAM: ReadonlySet<string> = new Set();

export const logfmtStage: StageFactory = (cfg, where, next) => {
  const c = checkKeys(cfg, ['mapping', 'source'], where);
  if (!isTree(c.mapping) || Object.keys(c.mapping).length === 0) throw new ConfigError(`${where}.mapping: at least one key is required`);
  const mapping = Object.entries(c.mapping).map(([name, key]) => ({
    name,
    label: sanitize(key === null || key === undefined || key === '' ? name : str(key, `${where}.mapping.${name}`)),
  }));
  const source = c.source === undefined ? undefined : str(c.source, `${where}.source`);
  const parse = logfmtStep(EVERY_KEY);
  const state = { line: Buffer.alloc(0), labels: new LabelSet(), stream: NO_STREAM };
  return {
    push(e) {
      const input = source === undefined ? e.line : e.extracted.has(source) ? valueString(e.extracted.get(source)) : undefined;
      if (input !== undefined) {
        state.line = Buffer.from(input);
        state.labels.reset([]);
        parse(state);
        for (const m of mapping) {
          const v = state.labels.get(m.label);
          if (v !== undefined) e.extracted.set(m.name, v);
        }
      }
      next(e);
    },
  };
};
