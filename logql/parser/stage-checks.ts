// The stage errors Loki finds only when it builds a pipeline, after the tree validated:
// `stage '<the stage as Loki prints it>' : <why>`, first bad stage first.
import type { Expr, LineFilterStage, Stage } from '../ast.ts';
import { quote } from '../../model/labels.ts';
import { compileIp } from '../ip-pattern.ts';
import { ParseError } from './errors.ts';
import { regexpError } from './regexp-errors.ts';

const stageError = (text: string, why: string) => new ParseError(`stage '${text}' : ${why}`);

const filterText = (s: LineFilterStage) =>
  `${s.op} ${s.values.map((v) => (v.kind === 'ip' ? `ip(${quote(v.value)})` : quote(v.value))).join(' or ')}`;

const ipError = (pattern: string): string | undefined => {
  try {
    compileIp(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

/** Loki builds a run of line filters as one stage, from its last filter back to its first. */
function checkLineFilters(run: LineFilterStage[]): void {
  for (let k = run.length - 1; k >= 0; k--)
    for (const v of run[k].values) {
      const why = v.kind === 'ip' ? ipError(v.value) : run[k].op === '|~' || run[k].op === '!~' ? regexpError(v.value) : undefined;
      if (why) throw stageError(run.map(filterText).join(' '), why);
    }
}

function checkPipeline(stages: Stage[]): void {
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i];
    if (s.type === 'lineFilter') {
      let j = i;
      while (j + 1 < stages.length && stages[j + 1].type === 'lineFilter') j++;
      checkLineFilters(stages.slice(i, j + 1) as LineFilterStage[]);
      i = j;
    } else if (s.type === 'labelFilter' && s.filter.kind === 'ip') {
      const why = ipError(s.filter.value);
      if (why) throw stageError(`| ${s.filter.name}${s.filter.op}ip(${quote(s.filter.value)})`, why);
    }
  }
}

/** Every pipeline of the query, left to right. */
export function checkStages(e: Expr): void {
  switch (e.kind) {
    case 'log':
      return checkPipeline(e.pipeline);
    case 'range':
      return checkPipeline(e.range.log.pipeline);
    case 'vector':
    case 'labelReplace':
      return checkStages(e.inner);
    case 'binary':
      checkStages(e.left);
      return checkStages(e.right);
  }
}
