// The Muninn agent (`muninn agent -config.file agent.yaml`), promtail's job: tails the files of
// its scrape configs, runs each line through its scrape config's pipeline, and hands the entries
// to every client, which push them over NATS or HTTP. A line's position is saved only once every
// client is done with it, so a restart resumes with no gap; lines sent again after a SIGKILL carry
// the read times they had (positions.ts), so Muninn shows each once.
import type { Logger } from 'pino';
import type { AgentConfig, ClientConfig } from './config.ts';
import { Client } from './client.ts';
import { entryOf, type AgentEntry } from './entry.ts';
import { FileTargets } from './file-targets.ts';
import { HttpSender } from './http-sender.ts';
import { createAgentMetrics, type AgentMetrics } from './metrics.ts';
import { NatsSender } from './nats-sender.ts';
import { OpsServer } from './ops-server.ts';
import { Positions } from './positions.ts';
import type { Sender } from './sender.ts';
import { compilePipeline } from './stages/pipeline.ts';
import type { Stage } from './stages/stage.ts';

export class Agent {
  private constructor(
    readonly port: number,
    readonly metrics: AgentMetrics,
    private readonly parts: { targets: FileTargets[]; pipelines: Stage[]; clients: Client[]; positions: Positions; ops: OpsServer },
    private readonly drainMs: number,
  ) {}

  static async start(cfg: AgentConfig, log: Logger): Promise<Agent> {
    const metrics = createAgentMetrics();
    const positions = new Positions(cfg.positions.filename, cfg.positions.syncPeriodMs, cfg.positions.ignoreInvalidYaml, (err) =>
      log.error({ err: err.message }, 'could not write the positions file'),
    );
    const clients: Client[] = [];
    let ready = false;
    const ops = new OpsServer(metrics.registry, () => (ready ? undefined : 'Not ready: starting'));
    try {
      for (const c of cfg.clients) clients.push(new Client(c, await senderOf(c, log), metrics, log.child({ client: c.url ?? c.natsUrl }), () => positions.flushStamps()));
      const room = () => Promise.all(clients.map((c) => c.room())).then(() => undefined);
      const send = (e: AgentEntry) => {
        // each client releases the entry's tickets once: hold them once more per extra client
        for (const t of e.tickets) t.hold(clients.length - 1);
        for (const c of clients) c.add(e);
      };
      const dropped = (e: AgentEntry, reason: string) => {
        metrics.pipelineDropped.labels(reason).inc();
        for (const t of e.tickets) t.release();
      };
      const pipelines = cfg.scrapeConfigs.map((s, i) => compilePipeline(s.pipelineStages, `scrape_configs[${i}].pipeline_stages`, send, dropped));
      const targets = cfg.scrapeConfigs.map(
        (s, i) =>
          new FileTargets(s, {
            positions,
            poll: cfg.poll,
            syncMs: cfg.targetSyncMs,
            room,
            line: (text, labels, ticket, ts) => pipelines[i].push(entryOf(text, labels, ticket, ts)),
            read: (path, lines, bytes) => {
              metrics.readLines.labels(path).inc(lines);
              metrics.readBytes.labels(path).inc(bytes);
            },
            activeFiles: (d) => metrics.filesActive.inc(d),
            log: log.child({ job: s.jobName }),
          }),
      );
      const port = await ops.start(cfg.server.address, cfg.server.port);
      positions.start();
      await Promise.all(targets.map((t) => t.start()));
      ready = true;
      const host = cfg.server.address === '0.0.0.0' ? '127.0.0.1' : cfg.server.address;
      log.info({ clients: clients.map((c) => c.host) }, `muninn agent: metrics and readiness on http://${host}:${port}`);
      return new Agent(port, metrics, { targets, pipelines, clients, positions, ops }, Math.max(...cfg.clients.map((c) => c.timeoutMs)));
    } catch (err) {
      await Promise.all(clients.map((c) => c.stop()));
      await ops.stop();
      throw err;
    }
  }

  /**
   * Stops reading, hands on what the pipelines hold, gives the clients up to their timeout to
   * send what they have, and saves the positions of what was acknowledged.
   */
  async stop(): Promise<void> {
    const { targets, pipelines, clients, positions, ops } = this.parts;
    await Promise.all(targets.map((t) => t.stop()));
    for (const p of pipelines) p.flush?.();
    await Promise.all(clients.map((c) => c.drain(this.drainMs)));
    for (const p of pipelines) p.stop?.();
    await Promise.all(clients.map((c) => c.stop()));
    await positions.stop();
    await ops.stop();
  }
}

async function senderOf(c: ClientConfig, log: Logger): Promise<Sender> {
  if (c.natsUrl) return NatsSender.connect(c.natsUrl, log);
  return new HttpSender(c.url!);
}
