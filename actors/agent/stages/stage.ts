// What a pipeline stage is: it takes an entry and passes it on, changed, to the next stage, or
// drops it (saying why, so the entry's lines count as done); a stage that holds entries
// (multiline) hands them on when flushed.
import type { AgentEntry } from '../entry.ts';

export type Sink = (e: AgentEntry) => void;

export interface StageContext {
  /** The entry goes no further: its lines are done, counted under `reason`. */
  dropped(e: AgentEntry, reason: string): void;
  /** Compiles nested stages (match's) ahead of `next`. */
  compile(stages: unknown[], where: string, next: Sink): Stage;
}

export interface Stage {
  push: Sink;
  /** Hands on what the stage holds (on stop, and when a file ends). */
  flush?(): void;
  /** Clears its timers. */
  stop?(): void;
}

/** A stage's YAML map (already checked to be one), where it sits (for errors), and what follows it. */
export type StageFactory = (cfg: Record<string, unknown>, where: string, next: Sink, ctx: StageContext) => Stage;
