// promtail's `multiline` stage: per stream, a line matching `firstline` (RE2) starts a block and
// the lines after it join it, newline-separated, until the next first line, `max_lines` (128)
// lines, or `max_wait_time` (3s) without a new line; the block takes its first line's time,
// labels and extracted values. Lines before a stream's first block pass alone.
import { checkKeys, ms, num, str } from '../config.ts';
import type { AgentEntry } from '../entry.ts';
import { formatLabels, sortLabels } from '../../../model/labels.ts';
import { compile } from './regex.ts';
import type { StageFactory } from './stage.ts';

interface Block {
  first: AgentEntry;
  lines: string[];
  timer: NodeJS.Timeout | undefined;
}

export const multilineStage: StageFactory = (cfg, where, next) => {
  const c = checkKeys(cfg, ['firstline', 'max_lines', 'max_wait_time'], where);
  const firstline = compile(str(c.firstline, `${where}.firstline`), where);
  const maxLines = num(c.max_lines, `${where}.max_lines`, 128);
  const maxWaitMs = ms(c.max_wait_time, `${where}.max_wait_time`, '3s');
  const blocks = new Map<string, Block>();

  const flush = (b: Block) => {
    clearTimeout(b.timer);
    b.timer = undefined;
    if (b.lines.length === 0) return;
    b.first.line = b.lines.join('\n');
    const out = b.first;
    b.lines = [];
    next(out);
  };
  const wait = (b: Block) => {
    clearTimeout(b.timer);
    b.timer = setTimeout(() => flush(b), maxWaitMs);
  };

  return {
    push(e) {
      const key = formatLabels(sortLabels([...e.labels]));
      const b = blocks.get(key);
      const isFirst = firstline.test(e.line);
      if (!b && !isFirst) return next(e);
      if (!b) {
        const nb: Block = { first: e, lines: [e.line], timer: undefined };
        blocks.set(key, nb);
        return maxLines <= 1 ? flush(nb) : wait(nb);
      }
      if (isFirst || b.lines.length === 0) {
        flush(b);
        b.first = e;
        b.lines = [e.line];
      } else {
        b.lines.push(e.line);
        // the block now owes these lines too
        b.first.tickets.push(...e.tickets);
      }
      if (b.lines.length >= maxLines) flush(b);
      else wait(b);
    },
    flush: () => blocks.forEach(flush),
    stop: () => blocks.forEach((b) => clearTimeout(b.timer)),
  };
};
