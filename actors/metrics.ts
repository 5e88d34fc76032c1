// The metrics every role reports, on one registry per node (tests run several nodes in a process).
// Names are Loki's where Loki has the same metric, so Loki's dashboards work on Muninn.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    linesReceived: new Counter({
      name: 'loki_distributor_lines_received_total',
      help: 'Log lines accepted by the distributor, by tenant.',
      labelNames: ['tenant'],
      registers: r,
    }),
    bytesReceived: new Counter({
      name: 'loki_distributor_bytes_received_total',
      help: 'Bytes of log lines accepted by the distributor, by tenant.',
      labelNames: ['tenant'],
      registers: r,
    }),
    appendFailures: new Counter({
      name: 'loki_distributor_ingester_append_failures_total',
      help: 'Pushes that failed because the ingest log did not acknowledge an append.',
      registers: r,
    }),
    discardedSamples: new Counter({
      name: 'loki_discarded_samples_total',
      help: 'Lines refused by validation or limits, by reason and tenant.',
      labelNames: ['reason', 'tenant'],
      registers: r,
    }),
    discardedBytes: new Counter({
      name: 'loki_discarded_bytes_total',
      help: 'Bytes of lines refused by validation or limits, by reason and tenant.',
      labelNames: ['reason', 'tenant'],
      registers: r,
    }),
    mutatedSamples: new Counter({
      name: 'loki_mutated_samples_total',
      help: 'Lines changed on the way in (cut to max_line_size: reason line_too_long), by reason and tenant.',
      labelNames: ['reason', 'tenant'],
      registers: r,
    }),
    mutatedBytes: new Counter({
      name: 'loki_mutated_bytes_total',
      help: 'Bytes cut off lines on the way in, by reason and tenant.',
      labelNames: ['reason', 'tenant'],
      registers: r,
    }),
    chunksFlushed: new Counter({
      name: 'loki_ingester_chunks_flushed_total',
      help: 'Chunks written to the store, by the reason they were cut.',
      labelNames: ['reason'],
      registers: r,
    }),
    flushFailures: new Counter({
      name: 'loki_ingester_chunks_flush_failures_total',
      help: 'Flush rounds that failed to make their chunks durable (they are retried; checkpoints wait).',
      registers: r,
    }),
    memoryStreams: new Gauge({
      name: 'loki_ingester_memory_streams',
      help: 'Streams held in ingester memory.',
      labelNames: ['tenant'],
      registers: r,
    }),
    readerRestarts: new Counter({
      name: 'muninn_ingester_reader_restarts_total',
      help: 'Partitions read anew because their ingest-log reader made no progress with messages waiting (reader-watch.ts).',
      registers: r,
    }),
    partitionLag: new Gauge({
      name: 'muninn_ingester_partition_lag',
      help: 'Ingest-log messages past the checkpoint (the head minus the checkpoint), per owned partition.',
      labelNames: ['partition'],
      registers: r,
    }),
    requestDuration: new Histogram({
      name: 'loki_request_duration_seconds',
      help: 'Time to answer HTTP requests, by route and status.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    discardedRequests: new Counter({
      name: 'loki_query_frontend_discarded_requests_total',
      help: 'Queries refused with 429 because their tenant had max_outstanding_per_tenant sub-queries outstanding.',
      labelNames: ['tenant'],
      registers: r,
    }),
    // the compactor's, with Loki 2.8's names (pkg/storage/stores/indexshipper/compactor/metrics.go)
    compactorRunning: new Gauge({
      name: 'loki_boltdb_shipper_compactor_running',
      help: 'Value will be 1 if compactor is currently running on this instance (holds the compactor lease).',
      registers: r,
    }),
    compactTables: new Counter({
      name: 'loki_boltdb_shipper_compact_tables_operation_total',
      help: 'Total number of tables compaction done by status (success or failure).',
      labelNames: ['status'],
      registers: r,
    }),
    compactTablesDuration: new Gauge({
      name: 'loki_boltdb_shipper_compact_tables_operation_duration_seconds',
      help: 'Time (in seconds) spent in compacting all the tables.',
      registers: r,
    }),
    compactTablesLastSuccess: new Gauge({
      name: 'loki_boltdb_shipper_compact_tables_operation_last_successful_run_timestamp_seconds',
      help: 'Unix timestamp of the last successful compaction run.',
      registers: r,
    }),
    // retention's, with Loki 2.8's names (compactor/metrics.go, compactor/retention/metrics.go); a table is a day
    applyRetentionLastSuccess: new Gauge({
      name: 'loki_boltdb_shipper_apply_retention_last_successful_run_timestamp_seconds',
      help: 'Unix timestamp of the last successful retention run.',
      registers: r,
    }),
    retentionMarks: new Counter({
      name: 'loki_boltdb_shipper_retention_marker_count_total',
      help: 'Total count of markers created per table (chunks dropped from the index, their objects to delete).',
      labelNames: ['table'],
      registers: r,
    }),
    retentionTables: new Counter({
      name: 'loki_boltdb_shipper_retention_marker_table_processed_total',
      help: 'Total amount of table processed for each user per action (modified, deleted, none).',
      labelNames: ['table', 'user_id', 'action'],
      registers: r,
    }),
    retentionTableDuration: new Histogram({
      name: 'loki_boltdb_shipper_retention_marker_table_processed_duration_seconds',
      help: 'Time (in seconds) spent in marking table for chunks to delete.',
      labelNames: ['table', 'status'],
      buckets: [1, 2.5, 5, 10, 20, 40, 90, 360, 600, 1800],
      registers: r,
    }),
    retentionChunkDeleteDuration: new Histogram({
      name: 'loki_boltdb_shipper_retention_sweeper_chunk_deleted_duration_seconds',
      help: 'Time (in seconds) spent in deleting chunk.',
      labelNames: ['status'],
      buckets: [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8],
      registers: r,
    }),
    retentionChunksPending: new Gauge({
      name: 'muninn_compactor_chunks_pending_deletion',
      help: 'Chunks dropped from the index whose objects wait for retention_delete_delay, as the last compaction run found them.',
      registers: r,
    }),
    // log deletion's, with Loki 2.8's names (pkg/storage/stores/indexshipper/compactor/deletion/metrics.go)
    deleteRequestsReceived: new Counter({
      name: 'loki_compactor_delete_requests_received_total',
      help: 'Number of delete requests received per user',
      labelNames: ['user'],
      registers: r,
    }),
    deleteRequestsProcessed: new Counter({
      name: 'loki_compactor_delete_requests_processed_total',
      help: 'Number of delete requests processed per user',
      labelNames: ['user'],
      registers: r,
    }),
    deleteChunksSelected: new Counter({
      name: 'loki_compactor_delete_requests_chunks_selected_total',
      help: 'Number of chunks selected while building delete plans per user',
      labelNames: ['user'],
      registers: r,
    }),
    deleteProcessingFails: new Counter({
      name: 'loki_compactor_delete_processing_fails_total',
      help: 'Number of times the delete phase of compaction has failed',
      labelNames: ['cause'],
      registers: r,
    }),
    loadPendingRequests: new Counter({
      name: 'loki_compactor_load_pending_requests_attempts_total',
      help: 'Number of attempts that were made to load pending requests with status',
      labelNames: ['status'],
      registers: r,
    }),
    oldestPendingDeleteAge: new Gauge({
      name: 'loki_compactor_oldest_pending_delete_request_age_seconds',
      help: 'Age of oldest pending delete request in seconds since they are over their cancellation period',
      registers: r,
    }),
    pendingDeleteRequests: new Gauge({
      name: 'loki_compactor_pending_delete_requests_count',
      help: 'Count of delete requests which are over their cancellation period and have not finished processing yet',
      registers: r,
    }),
    deletedLines: new Counter({
      name: 'loki_compactor_deleted_lines',
      help: 'Number of deleted lines per user',
      labelNames: ['user'],
      registers: r,
    }),
    tailsActive: new Gauge({
      name: 'loki_querier_tail_active',
      help: 'Live tails (/loki/api/v1/tail) the querier threads of this process hold.',
      registers: r,
    }),
    subqueries: new Counter({
      name: 'muninn_frontend_subqueries_total',
      help: 'Sub-queries the frontend placed on the work queue, by outcome.',
      labelNames: ['outcome'],
      registers: r,
    }),
    // Loki's cache metrics, for the results cache (name="frontend.results-cache")
    cacheFetchedKeys: new Counter({
      name: 'loki_cache_fetched_keys',
      help: 'Total count of keys requested from cache.',
      labelNames: ['name'],
      registers: r,
    }),
    cacheHits: new Counter({
      name: 'loki_cache_hits',
      help: 'Total count of keys found in cache.',
      labelNames: ['name'],
      registers: r,
    }),
    cacheRequestDuration: new Histogram({
      name: 'loki_cache_request_duration_seconds',
      help: 'Total time spent in seconds doing cache requests.',
      labelNames: ['name', 'method', 'status_code'],
      buckets: [0.000016, 0.000064, 0.000256, 0.001024, 0.004096, 0.016384, 0.065536, 0.262144, 1.048576],
      registers: r,
    }),
    cacheValueSize: new Histogram({
      name: 'loki_cache_value_size_bytes',
      help: 'Size of values in the cache.',
      labelNames: ['name', 'method'],
      buckets: [1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
