// Stages that rewrite: line_format, label_format, drop, keep, decolorize.
import type { DropKeepItem, LabelFormatStage, LineFormatStage } from '../ast.ts';
import { compileMatcher } from '../../model/matchers.ts';
import { compileTemplate, type RenderOptions, type Template } from '../template/index.ts';
import { quote } from '../../model/labels.ts';
import { QueryError, QueryTimeoutError } from '../errors.ts';
import { ERROR, ERROR_DETAILS } from './label-filter.ts';
import type { EntryState, Step } from './parsers.ts';

// Loki refuses a stage it cannot build while parsing, as a 400 naming the stage as it prints it.
const stageError = (stage: string, msg: string) => new QueryError(`parse error : stage '${stage}' : ${msg}`);

const lineFormatText = (s: LineFormatStage) => `| line_format ${quote(s.template)}`;
const labelFormatText = (s: LabelFormatStage) =>
  '| label_format ' + s.items.map((it) => `${it.dst}=${it.kind === 'rename' ? it.src : quote(it.template)}`).join(',');

const ctx = (e: EntryState, ts: bigint) => ({ labels: e.labels.toObject(), line: e.line.toString('utf8'), ts });

// A failing template replaces any earlier error: Loki sets the error, it does not add to it. A
// deadline met while rendering is no error of the entry: it ends the query.
function templateFailed(e: EntryState, err: unknown): void {
  if (err instanceof QueryTimeoutError) throw err;
  e.labels.set(ERROR, 'TemplateFormatErr');
  e.labels.set(ERROR_DETAILS, (err as Error).message);
}

/** `render`: the bounds every line's rendering gets (max_line_size, the deadline). */
export function lineFormatStep(s: LineFormatStage, render: RenderOptions): (e: EntryState, ts: bigint) => void {
  let t: Template;
  try {
    t = compileTemplate(s.template, 'line');
  } catch (err) {
    throw stageError(lineFormatText(s), `invalid line template: ${(err as Error).message}`);
  }
  return (e, ts) => {
    try {
      e.line = Buffer.from(t.render(ctx(e, ts), render), 'utf8');
    } catch (err) {
      templateFailed(e, err);
    }
  };
}

// Loki's rules for one label_format: a label named once, and never __error__.
function checkLabelFormat(s: LabelFormatStage): void {
  const seen = new Set<string>();
  for (const it of s.items) {
    if (it.dst === ERROR) throw stageError(labelFormatText(s), `${ERROR} cannot be formatted`);
    if (seen.has(it.dst)) throw stageError(labelFormatText(s), `multiple label name '${it.dst}' not allowed in a single format operation`);
    seen.add(it.dst);
  }
}

/**
 * Items apply one after another, as in Loki: a rename moves the label it names as it is now, so
 * `a=level, b=level` only sets a. Templates all see the labels as they were at the first template.
 */
export function labelFormatStep(s: LabelFormatStage, render: RenderOptions): (e: EntryState, ts: bigint) => void {
  checkLabelFormat(s);
  const items = s.items.map((it) => {
    if (it.kind === 'rename') return it;
    try {
      return { ...it, t: compileTemplate(it.template, 'label') };
    } catch (err) {
      throw stageError(labelFormatText(s), `invalid template for label '${it.dst}': ${(err as Error).message}`);
    }
  });
  return (e, ts) => {
    let data: ReturnType<typeof ctx> | undefined;
    for (const it of items) {
      if (it.kind === 'rename') {
        // Loki keeps an entry's error apart from its labels: there is no __error__ label to move.
        if (it.src === ERROR || it.src === ERROR_DETAILS) continue;
        const v = e.labels.get(it.src);
        if (v === undefined) continue;
        e.labels.set(it.dst, v);
        e.labels.delete(it.src);
        continue;
      }
      data ??= ctx(e, ts);
      try {
        e.labels.set(it.dst, it.t.render(data, render));
      } catch (err) {
        templateFailed(e, err);
      }
    }
  };
}

function itemTests(items: DropKeepItem[]) {
  return items.map((it) => (it.kind === 'name' ? { name: it.name, test: () => true } : { name: it.matcher.name, test: compileMatcher(it.matcher) }));
}

// Loki's labels builder answers with the stream's own labels when nothing was added or removed and
// there is no error, so dropping __error__ from an entry whose parser added nothing loses the details too.
function onlyStreamLabelsLeft(e: EntryState): boolean {
  for (const [name] of e.labels) if (name !== ERROR_DETAILS && !e.stream.has(name)) return false;
  return e.labels.size - 1 === e.stream.size;
}

export function dropStep(items: DropKeepItem[]): Step {
  const tests = itemTests(items);
  return (e) => {
    const hadError = e.labels.has(ERROR);
    for (const { name, test } of tests) {
      const v = e.labels.get(name);
      if (v !== undefined && test(v)) e.labels.delete(name);
    }
    if (hadError && !e.labels.has(ERROR) && e.labels.has(ERROR_DETAILS) && onlyStreamLabelsLeft(e)) e.labels.delete(ERROR_DETAILS);
  };
}

export function keepStep(items: DropKeepItem[]): Step {
  const tests = itemTests(items);
  return (e) => {
    for (const [name, v] of [...e.labels]) if (!tests.some((t) => t.name === name && t.test(v))) e.labels.delete(name);
  };
}

// Loki's ANSI pattern (from acarl005/stripansi), over the line's bytes read as latin1 so that bytes
// which are not UTF-8 survive; ESC or CSI (U+009B, UTF-8 C2 9B) starts a sequence.
const ANSI = /(?:\x1b|\xc2\x9b)[[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\x07)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~]))/g;
const CSI = Buffer.from([0xc2, 0x9b]);

export const decolorizeStep: Step = (e) => {
  if (!e.line.includes(0x1b) && !e.line.includes(CSI)) return;
  e.line = Buffer.from(e.line.toString('latin1').replace(ANSI, ''), 'latin1');
};
