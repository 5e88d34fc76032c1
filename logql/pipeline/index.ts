// Compiles a log pipeline into a function over entry batches. Line filters run on bytes before
// anything else, a literal they need found in the whole batch at once (as is one that a filter
// right after a parser needs: parsed-literal.ts); stages that change labels or lines work per
// surviving entry on a label map.
import type { LabelFilter, Stage } from '../ast.ts';
import type { EntryBatch } from '../../model/batch.ts';
import type { Labels } from '../../model/labels.ts';
import { Deadline } from '../eval/deadline.ts';
import type { RenderOptions } from '../template/index.ts';
import { decolorizeStep, dropStep, keepStep, labelFormatStep, lineFormatStep } from './formatters.ts';
import { ALL_LABELS, type ParserHints } from './hints.ts';
import { compileLabelTest } from './label-filter.ts';
import { LabelSet } from './label-set.ts';
import { compileLineFilter, markLiteral, requiredLiteral, type LineTest } from './line-filter.ts';
import { logfmtStep } from './logfmt.ts';
import { parsedLiteral } from './parsed-literal.ts';
import { jsonStep } from './json.ts';
import { patternStep, regexpStep, type EntryState } from './parsers.ts';
import { unpackStep } from './unpack.ts';

export interface PipelineOptions {
  /**
   * limits_config.max_line_size (default, and for 0, 262144): a line_format line or label_format
   * value longer than this many bytes marks its entry __error__="TemplateFormatErr" instead.
   */
  maxLineSize?: number;
  /** Epoch ms as Date.now() counts: past it, run throws QueryTimeoutError (a 504). */
  deadline?: number;
}

export interface Pipeline {
  /** True when every stage is a line filter: labels never change, callers can group by stream. */
  readonly filtersOnly: boolean;
  /**
   * Calls emit for each surviving entry, in batch order, with its final line and labels (sorted).
   * When labels are unchanged, emit gets batch.labels itself, so callers group cheaply.
   */
  run(batch: EntryBatch, emit: (i: number, line: Buffer, labels: Labels) => void): void;
}

/** Stream labels plus an entry's structured metadata, sorted; `m` is scratch space. */
function withMetadata(m: LabelSet, labels: Labels, meta: Labels | undefined): Labels {
  if (!meta || meta.length === 0) return labels;
  m.reset(labels);
  for (const [n, v] of meta) if (!m.has(n)) m.set(n, v);
  return m.sorted();
}

/** A step over one entry; false drops it. */
type EntryStep = (e: EntryState, ts: bigint) => boolean;

function compileStage(s: Stage, hints: ParserHints, render: RenderOptions): EntryStep {
  const always = (f: (e: EntryState, ts: bigint) => void): EntryStep => (e, ts) => (f(e, ts), true);
  switch (s.type) {
    case 'lineFilter': {
      const t = compileLineFilter(s);
      return (e) => t(e.line);
    }
    case 'labelFilter': {
      const t = compileLabelTest(s.filter);
      return (e) => t(e.labels);
    }
    case 'json':
      return always(jsonStep(s, hints));
    case 'logfmt':
      return always(logfmtStep(s, hints));
    case 'regexp':
      return always(regexpStep(s));
    case 'pattern':
      return always(patternStep(s, hints));
    case 'unpack':
      return always(unpackStep(hints));
    case 'lineFormat':
      return always(lineFormatStep(s, render));
    case 'labelFormat':
      return always(labelFormatStep(s, render));
    case 'drop':
      return always(dropStep(s.items));
    case 'keep':
      return always(keepStep(s.items));
    case 'decolorize':
      return always(decolorizeStep);
  }
}

/** `hints`: which labels the parsers need to extract; all of them unless a metric query says less. */
export function compilePipeline(stages: Stage[], hints: ParserHints = ALL_LABELS, opts: PipelineOptions = {}): Pipeline {
  const filtersOnly = stages.every((s) => s.type === 'lineFilter');
  // line filters before the first other stage run on the batch's bytes
  let lead = 0;
  while (lead < stages.length && stages[lead].type === 'lineFilter') lead++;
  const leadStages = stages.slice(0, lead) as Array<Extract<Stage, { type: 'lineFilter' }>>;
  // the first literal a lead filter needs is looked for in the whole batch at once; the filters
  // run per line after it, on the lines that have it, except one that asks for nothing more
  const literals = leadStages.map(requiredLiteral);
  const scan = literals.find((r) => r !== undefined);
  const needle = scan?.needle;
  const tests: LineTest[] = leadStages.filter((_, k) => !scan?.exact || literals[k] !== scan).map(compileLineFilter);
  const deadline = new Deadline(opts.deadline);
  // one options object for every line the templates render
  const render: RenderOptions = { maxLineSize: opts.maxLineSize, deadline };
  const rest = stages.slice(lead).map((s) => compileStage(s, hints, render));
  const parsed = parsedLiteral(stages.slice(lead));
  return {
    filtersOnly,
    run(batch, emit) {
      const { lines, offsets } = batch;
      const n = batch.ts.length;
      const mask = needle ? markLiteral(lines, offsets, n, needle) : undefined;
      // lines that may pass the filter after the parser: the value's bytes, or an escape
      const parsable = parsed && !batch.labels.some(([name]) => name === parsed.name) ? markParsable(batch, parsed.needle) : undefined;
      const streamNames = rest.length ? new Set(batch.labels.map(([name]) => name)) : undefined;
      // one entry state per batch, reset per entry: fewer objects for the collector
      const e: EntryState = { line: lines, labels: new LabelSet(), stream: streamNames ?? new Set() };
      const scratch = new LabelSet();
      next: for (let i = 0; i < n; i++) {
        deadline.tick();
        if (mask && !mask[i]) continue;
        if (parsable && !parsable[i] && !batch.metadata?.[i]?.some(([name]) => name === parsed!.name)) continue;
        const line = lines.subarray(offsets[i], offsets[i + 1]);
        for (const t of tests) if (!t(line)) continue next;
        const labels = withMetadata(scratch, batch.labels, batch.metadata?.[i]);
        if (!rest.length) {
          emit(i, line, labels);
          continue;
        }
        e.line = line;
        e.labels.reset(labels);
        for (const step of rest) if (!step(e, batch.ts[i])) continue next;
        emit(i, e.line, e.labels.sorted());
      }
    },
  };
}

/** The lines of a batch that hold the needle or a backslash. */
function markParsable(batch: EntryBatch, needle: Buffer): Uint8Array {
  const { lines, offsets } = batch;
  const n = batch.ts.length;
  const mask = markLiteral(lines, offsets, n, needle);
  const escaped = markLiteral(lines, offsets, n, BACKSLASH);
  for (let i = 0; i < n; i++) mask[i] |= escaped[i];
  return mask;
}

const BACKSLASH = Buffer.from('\\');

/** A compiled label filter for unwrap's post-filters: the labels to keep, or null to drop. */
export function compileLabelFilter(f: LabelFilter): (labels: Labels) => Labels | null {
  const t = compileLabelTest(f);
  const m = new LabelSet();
  return (labels) => {
    m.reset(labels);
    return t(m) ? m.sorted() : null;
  };
}
