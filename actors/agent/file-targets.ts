// A scrape config's files: every `target_config.sync_period` its static configs' `__path__` globs
// (less `__path_exclude__`) are matched again, and a tailer is started for each new file, under
// the static config's labels (those not starting with `__`) plus `filename`, as promtail labels them.
import type { ScrapeConfig } from './config.ts';
import { FileTailer, type TailerDeps } from './file-tailer.ts';
import { globFiles, segmentRegExp } from './glob.ts';
import type { Ticket } from './acks.ts';

interface Target {
  include: string;
  exclude: RegExp | undefined;
  labels: Map<string, string>;
}

export interface TargetDeps extends Omit<TailerDeps, 'line'> {
  syncMs: number;
  /** A line read from a file of this scrape config, under that file's labels. */
  line(text: string, labels: Map<string, string>, ticket: Ticket, ts: bigint): void;
  /** +1 when a file's tailer starts, -1 when it ends. */
  activeFiles(delta: number): void;
}

export class FileTargets {
  private readonly targets: Target[];
  private readonly tailers = new Map<string, FileTailer>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    scrape: ScrapeConfig,
    private readonly deps: TargetDeps,
  ) {
    this.targets = scrape.staticConfigs.flatMap((s) => {
      const include = s.labels.__path__;
      if (!include) return [];
      const exclude = s.labels.__path_exclude__;
      const labels = new Map(Object.entries(s.labels).filter(([k]) => !k.startsWith('__')));
      return [{ include, exclude: exclude ? pathRegExp(exclude) : undefined, labels }];
    });
  }

  /** Resolves after the first match of every glob, with a tailer started for each file. */
  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => {
      this.syncing = this.syncing.then(() => this.sync());
    }, this.deps.syncMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.syncing;
    await Promise.all([...this.tailers.values()].map((t) => t.stop()));
  }

  private async sync(): Promise<void> {
    for (const t of this.targets) {
      for (const path of await globFiles(t.include)) {
        if (this.stopped || this.tailers.has(path) || t.exclude?.test(path)) continue;
        const labels = new Map(t.labels).set('filename', path);
        const tailer = new FileTailer(path, { ...this.deps, line: (text, ticket, ts) => this.deps.line(text, labels, ticket, ts) });
        this.tailers.set(path, tailer);
        this.deps.activeFiles(1);
        void tailer.done.then(() => {
          if (this.tailers.get(path) === tailer && !this.stopped) this.tailers.delete(path);
          this.deps.activeFiles(-1);
        });
      }
    }
  }
}

/** A whole-path glob as one regular expression (for `__path_exclude__`). */
function pathRegExp(glob: string): RegExp {
  const parts = glob.split('/').map((s) => (s === '**' ? '.*' : segmentRegExp(s).source.slice(1, -1)));
  return new RegExp(`^${parts.join('/')}$`);
}
