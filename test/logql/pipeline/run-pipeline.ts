// Runs `{app="api"} <pipeline>` over lines, one second apart, and gives each surviving entry's
// labels as `name=value,...` and its final line, for the pipeline tests to assert on.
import { batchOf } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { compilePipeline } from '../../../logql/pipeline/index.ts';
import { parseExpr } from '../../../logql/parser/index.ts';

export interface Entry {
  labels: string;
  line: string;
}

export function runPipeline(pipeline: string, lines: string[], stream: Labels = [['app', 'api']], meta?: Array<Labels | undefined>): Entry[] {
  const e = parseExpr(`{app="api"} ${pipeline}`);
  if (e.kind !== 'log') throw new Error('not a log query');
  const out: Entry[] = [];
  const batch = batchOf(stream, lines.map((l, i) => [BigInt(i + 1) * 1_000_000_000n, l, meta?.[i]] as const));
  compilePipeline(e.pipeline).run(batch, (_, line, labels) => out.push({ labels: labels.map(([n, v]) => `${n}=${v}`).join(','), line: line.toString() }));
  return out;
}
