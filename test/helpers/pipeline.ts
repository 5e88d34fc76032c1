// Runs the agent's pipeline stages over lines in this process (no files, no clients): what came
// out, what was dropped and why, and whether every line's ticket was let go once.
import { parse } from 'yaml';
import { FileAcks } from '../../actors/agent/acks.ts';
import { entryOf, readTimes, type AgentEntry } from '../../actors/agent/entry.ts';
import { compilePipeline } from '../../actors/agent/stages/pipeline.ts';
import type { Stage } from '../../actors/agent/stages/stage.ts';

export interface PipelineRun {
  out: AgentEntry[];
  dropped: string[];
  /** The offset up to which every line pushed is done with (out entries count as done once released). */
  acked(): number;
  push(line: string, labels?: Record<string, string>): void;
  /** Lets go of the entries that came out, as clients do once they are acknowledged. */
  release(): void;
  stage: Stage;
}

/** `yaml`: a pipeline_stages list as in the agent's config file. */
export function pipeline(yaml: string): PipelineRun {
  let acked = 0;
  let offset = 0;
  const acks = new FileAcks((o) => (acked = o));
  const out: AgentEntry[] = [];
  const dropped: string[] = [];
  const stage = compilePipeline(parse(yaml) as unknown[], 'pipeline_stages', (e) => out.push(e), (e, reason) => {
    dropped.push(reason);
    for (const t of e.tickets) t.release();
  });
  return {
    out,
    dropped,
    stage,
    acked: () => acked,
    push(line, labels = { job: 'test' }) {
      offset += Buffer.byteLength(line) + 1;
      const ticket = acks.ticket(offset);
      stage.push(entryOf(line, new Map(Object.entries(labels)), ticket, readTimes(1)));
      ticket.release();
    },
    release() {
      for (const e of out.splice(0)) for (const t of e.tickets) t.release();
    },
  };
}

/** An entry's labels and extracted values as plain objects, for deepEqual. */
export const view = (e: AgentEntry) => ({ labels: Object.fromEntries(e.labels), extracted: Object.fromEntries(e.extracted), line: e.line });
