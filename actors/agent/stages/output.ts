// promtail's `output` stage: the extracted value `source` becomes the line; without it, nothing changes.
import { checkKeys, str } from '../config.ts';
import { valueString } from '../entry.ts';
import type { StageFactory } from './stage.ts';

export const outputStage: StageFactory = (cfg, where, next) => {
  const source = str(checkKeys(cfg, ['source'], where).source, `${where}.source`);
  return {
    push(e) {
      const v = e.extracted.has(source) ? valueString(e.extracted.get(source)) : undefined;
      if (v !== undefined) e.line = v;
      next(e);
    },
  };
};
