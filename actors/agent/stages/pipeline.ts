// Compiles a scrape config's `pipeline_stages` (a list of one-key maps, as promtail's) into a
// chain of stages, each handing entries to the next and the last to `out`.
import { ConfigError } from '../../../config/index.ts';
import { isTree } from '../config.ts';
import { dropStage } from './drop.ts';
import { jsonStage } from './json.ts';
import { labelsStage } from './labels.ts';
import { logfmtStage } from './logfmt.ts';
import { matchStage } from './match.ts';
import { multilineStage } from './multiline.ts';
import { outputStage } from './output.ts';
import { regexStage } from './regex.ts';
import type { Sink, Stage, StageContext, StageFactory } from './stage.ts';
import { timestampStage } from './timestamp.ts';

const STAGES: Record<string, StageFactory> = {
  regex: regexStage,
  json: jsonStage,
  logfmt: logfmtStage,
  labels: labelsStage,
  timestamp: timestampStage,
  output: outputStage,
  match: matchStage,
  drop: dropStage,
  multiline: multilineStage,
};

export function compilePipeline(stages: unknown[], where: string, out: Sink, dropped: StageContext['dropped']): Stage {
  const ctx: StageContext = { dropped, compile: (s, w, next) => chain(s, w, next, ctx) };
  return chain(stages, where, out, ctx);
}

function chain(stages: unknown[], where: string, out: Sink, ctx: StageContext): Stage {
  const compiled: Stage[] = [];
  let next = out;
  // built from the end, so each stage knows the one after it
  for (let i = stages.length - 1; i >= 0; i--) {
    const at = `${where}[${i}]`;
    const s = stages[i];
    if (!isTree(s) || Object.keys(s).length !== 1) throw new ConfigError(`${at} must be a map with one stage, e.g. { regex: { expression: ... } }`);
    const [name, cfg] = Object.entries(s)[0];
    const factory = STAGES[name];
    if (!factory) throw new ConfigError(`${at}: unknown stage ${name} (supported: ${Object.keys(STAGES).join(', ')})`);
    if (cfg !== null && cfg !== undefined && !isTree(cfg)) throw new ConfigError(`${at}.${name} must be a map`);
    const stage = factory((cfg ?? {}) as Record<string, unknown>, `${at}.${name}`, next, ctx);
    compiled.unshift(stage);
    next = stage.push;
  }
  return {
    push: next,
    // in order: what an earlier stage lets go, a later one may still hold
    flush: () => compiled.forEach((s) => s.flush?.()),
    stop: () => compiled.forEach((s) => s.stop?.()),
  };
}
