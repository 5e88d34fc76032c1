// Stages that rewrite: line_format, label_format, drop, keep, decolorize.
import type { DropKeepItem, LabelFormatStage, LineFormatStage } from '../ast.ts';
import { compileMatcher } from '../matchers.ts';
import { compileTemplate } from '../template/index.ts';
import { QueryError } from '../eval/errors.ts';
import { ERROR, ERROR_DETAILS } from './label-filter.ts';
import type { EntryState, Step } from './parsers.ts';

function template(src: string) {
  try {
    return compileTemplate(src);
  } catch (err) {
    throw new QueryError(`invalid template ${JSON.stringify(src)}: ${(err as Error).message}`);
  }
}

const ctx = (e: EntryState, ts: bigint) => ({ labels: Object.fromEntries(e.labels), line: e.line.toString('utf8'), ts });

export function lineFormatStep(s: LineFormatStage): (e: EntryState, ts: bigint) => void {
  const t = template(s.template);
  return (e, ts) => {
    try {
      e.line = Buffer.from(t.render(ctx(e, ts)), 'utf8');
    } catch (err) {
      if (!e.labels.has(ERROR)) {
        e.labels.set(ERROR, 'TemplateFormatErr');
        e.labels.set(ERROR_DETAILS, (err as Error).message);
      }
    }
  };
}

/** Every item sees the labels as they were before the stage. */
export function labelFormatStep(s: LabelFormatStage): (e: EntryState, ts: bigint) => void {
  const items = s.items.map((it) => (it.kind === 'template' ? { ...it, t: template(it.template) } : it));
  return (e, ts) => {
    const before = ctx(e, ts);
    for (const it of items) {
      if (it.kind === 'rename') {
        const v = before.labels[it.src];
        if (v === undefined) continue;
        e.labels.delete(it.src);
        e.labels.set(it.dst, v);
        continue;
      }
      try {
        e.labels.set(it.dst, (it as { t: ReturnType<typeof template> }).t.render(before));
      } catch (err) {
        if (!e.labels.has(ERROR)) {
          e.labels.set(ERROR, 'TemplateFormatErr');
          e.labels.set(ERROR_DETAILS, (err as Error).message);
        }
      }
    }
  };
}

function itemTests(items: DropKeepItem[]) {
  return items.map((it) => (it.kind === 'name' ? { name: it.name, test: () => true } : { name: it.matcher.name, test: compileMatcher(it.matcher) }));
}

export function dropStep(items: DropKeepItem[]): Step {
  const tests = itemTests(items);
  return (e) => {
    for (const { name, test } of tests) {
      const v = e.labels.get(name);
      if (v !== undefined && test(v)) e.labels.delete(name);
    }
  };
}

export function keepStep(items: DropKeepItem[]): Step {
  const tests = itemTests(items);
  return (e) => {
    for (const [name, v] of [...e.labels]) if (!tests.some((t) => t.name === name && t.test(v))) e.labels.delete(name);
  };
}

const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

export const decolorizeStep: Step = (e) => {
  if (e.line.includes(0x1b)) e.line = Buffer.from(e.line.toString('utf8').replace(ANSI, ''), 'utf8');
};
