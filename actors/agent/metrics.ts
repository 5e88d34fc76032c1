// The agent's metrics, under promtail's names and labels so promtail's dashboards and alerts work:
// `host` is the client's host:port (its URL's, or its first NATS server's).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createAgentMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    readLines: new Counter({ name: 'promtail_read_lines_total', help: 'Lines read, by file.', labelNames: ['path'], registers: r }),
    readBytes: new Counter({ name: 'promtail_read_bytes_total', help: 'Bytes read, by file.', labelNames: ['path'], registers: r }),
    filesActive: new Gauge({ name: 'promtail_files_active_total', help: 'Files being tailed.', registers: r }),
    sentEntries: new Counter({ name: 'promtail_sent_entries_total', help: 'Entries acknowledged by the client\'s server.', labelNames: ['host'], registers: r }),
    sentBytes: new Counter({
      name: 'promtail_sent_bytes_total',
      help: 'Bytes of acknowledged request bodies (msgpack over NATS, JSON over HTTP).',
      labelNames: ['host'],
      registers: r,
    }),
    droppedEntries: new Counter({
      name: 'promtail_dropped_entries_total',
      help: 'Entries given up: refused with a 4xx other than 429 (ingester_error), or still failing after max_retries (ingester_error, rate_limited when the last answer was 429).',
      labelNames: ['host', 'tenant', 'reason'],
      registers: r,
    }),
    droppedBytes: new Counter({ name: 'promtail_dropped_bytes_total', help: 'Line bytes of the dropped entries.', labelNames: ['host', 'tenant', 'reason'], registers: r }),
    batchRetries: new Counter({ name: 'promtail_batch_retries_total', help: 'Batches sent again after a failure.', labelNames: ['host', 'tenant'], registers: r }),
    requestDuration: new Histogram({
      name: 'promtail_request_duration_seconds',
      help: 'Time to send a batch, by status (0: no answer: a timeout, no responders or a lost connection).',
      labelNames: ['status_code', 'host'],
      registers: r,
    }),
    pipelineDropped: new Counter({ name: 'logentry_dropped_lines_total', help: 'Lines dropped by pipeline stages, by reason.', labelNames: ['reason'], registers: r }),
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
