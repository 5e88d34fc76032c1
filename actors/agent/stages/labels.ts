// promtail's `labels` stage: extracted values become labels (name: extracted key, empty for the
// name itself); a key not extracted is skipped.
import { str } from '../config.ts';
import { ConfigError } from '../../../config/index.ts';
import { ownLabels, valueString } from '../entry.ts';
import type { StageFactory } from './stage.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const labelsStage: StageFactory = (cfg, where, next) => {
  const pairs = Object.entries(cfg).map(([name, src]) => {
    if (!LABEL_NAME.test(name)) throw new ConfigError(`${where}: invalid label name ${JSON.stringify(name)}`);
    return { name, source: src === null || src === undefined || src === '' ? name : str(src, `${where}.${name}`) };
  });
  if (pairs.length === 0) throw new ConfigError(`${where}: at least one label is required`);
  return {
    push(e) {
      for (const p of pairs) {
        if (!e.extracted.has(p.source)) continue;
        const v = valueString(e.extracted.get(p.source));
        if (v !== undefined) ownLabels(e).set(p.name, v);
      }
      next(e);
    },
  };
};
