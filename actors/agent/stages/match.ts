// promtail's `match` stage: entries that a LogQL selector (a stream selector and line filters)
// matches go through the nested `stages` (action keep, the default) or are dropped (action drop,
// counted under `drop_counter_reason`, match_stage); the others go on unchanged.
import { ConfigError } from '../../../config/index.ts';
import type { LineFilterStage } from '../../../logql/ast.ts';
import { parseExpr } from '../../../logql/parser/index.ts';
import { compileLineFilter } from '../../../logql/pipeline/line-filter.ts';
import { compileMatchers } from '../../../model/matchers.ts';
import { sortLabels } from '../../../model/labels.ts';
import { checkKeys, str } from '../config.ts';
import type { StageFactory } from './stage.ts';

export const matchStage: StageFactory = (cfg, where, next, ctx) => {
  const c = checkKeys(cfg, ['selector', 'stages', 'action', 'drop_counter_reason', 'pipeline_name'], where);
  const selector = str(c.selector, `${where}.selector`);
  let expr;
  try {
    expr = parseExpr(selector);
  } catch (err) {
    throw new ConfigError(`${where}.selector: ${(err as Error).message}`);
  }
  if (expr.kind !== 'log' || expr.pipeline.some((s) => s.type !== 'lineFilter')) throw new ConfigError(`${where}.selector must be a stream selector with line filters only, got ${JSON.stringify(selector)}`);
  const labelsMatch = compileMatchers(expr.matchers);
  const lineTests = (expr.pipeline as LineFilterStage[]).map(compileLineFilter);
  const action = str(c.action, `${where}.action`, 'keep');
  const reason = str(c.drop_counter_reason, `${where}.drop_counter_reason`, 'match_stage');
  if (action !== 'keep' && action !== 'drop') throw new ConfigError(`${where}.action must be keep or drop, got ${JSON.stringify(action)}`);
  if (action === 'keep' && !Array.isArray(c.stages)) throw new ConfigError(`${where}.stages is required when action is keep`);
  const nested = action === 'keep' ? ctx.compile(c.stages as unknown[], `${where}.stages`, next) : undefined;
  const matches = (labels: Map<string, string>, line: string): boolean => {
    if (!labelsMatch(sortLabels([...labels]))) return false;
    if (lineTests.length === 0) return true;
    const bytes = Buffer.from(line);
    return lineTests.every((t) => t(bytes));
  };
  return {
    push(e) {
      if (!matches(e.labels, e.line)) return next(e);
      if (nested) nested.push(e);
      else ctx.dropped(e, reason);
    },
    flush: () => nested?.flush?.(),
    stop: () => nested?.stop?.(),
  };
};
