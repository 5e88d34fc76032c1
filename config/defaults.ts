// Every configuration key with its default; Loki's YAML key names wherever Loki has the setting.
// Durations are written as Loki writes them ('30m') and resolved to milliseconds on load.

/** ingester.chunk_encoding's words: how chunks are stored (a stream's head always fills LZ4 blocks). */
export const CHUNK_ENCODINGS = ['lz4', 'brotli', 'zstd'] as const;
export type ChunkEncoding = (typeof CHUNK_ENCODINGS)[number];

/** One of limits_config.retention_stream's rules, as Loki's: streams its selector matches keep their chunks `period`. */
export interface RetentionStream {
  selector: string;
  priority: number;
  period: string;
}
/** limits_config.deletion_mode's words (Loki's): whether a tenant may delete logs, and whether deleted lines leave the store or are only hidden. */
export const DELETION_MODES = ['disabled', 'filter-only', 'filter-and-delete'] as const;
export type DeletionMode = (typeof DELETION_MODES)[number];

export const defaults = {
  /** Roles this process runs, as Loki's -target: all, or a list of gateway, distributor, ingester, frontend, querier, compactor. */
  target: 'all',
  /** When true a request must name its tenant in X-Scope-OrgID (401 otherwise); when false it defaults to `fake`. */
  auth_enabled: false,
  server: {
    http_listen_address: '127.0.0.1',
    http_listen_port: 3100,
    /** Largest accepted push body, after decompression. */
    max_request_body_bytes: 64 * 1024 * 1024,
    /**
     * Processes `muninn start` runs, sharing the HTTP port and the partitions; 0 is one per core
     * for --target=all (and one for any other target). One by default: on two cores the
     * processes cost more CPU per pushed line than they add (see the README).
     */
    workers: 1,
  },
  nats: {
    /** One server, or several separated by commas (a cluster): Muninn connects to whichever answers. */
    url: 'nats://127.0.0.1:4222',
    /** Copies JetStream keeps of the ingest log, the KV buckets and the query queue: 3 on a three-server cluster. */
    replicas: 1,
    /** When nothing answers at url, start a local nats-server with this config file. */
    start_local: true,
    config_file: 'nats.conf',
  },
  common: {
    /** Where everything this node keeps on disk lives (index, caches, the local nats store). */
    path_prefix: './data',
  },
  distributor: {
    /** P: partitions of the ingest log, fixed when the cluster is created. */
    partitions: 32,
    /** How long JetStream remembers a message id to drop a resent append. */
    duplicate_window: '10m',
    /** Upper bound on the ingest log's size on disk. */
    ingest_log_max_bytes: 10 * 1024 * 1024 * 1024,
  },
  ingester_client: {
    /** How long a push waits for the ingest log to acknowledge it before answering 503 (Loki's name for the distributor's call). */
    remote_timeout: '5s',
  },
  ingester: {
    chunk_target_size: 1_572_864,
    chunk_block_size: 262_144,
    /** How chunks are stored: `zstd` (about 60% of LZ4's bytes, decoded at 1.4 GB/s), `brotli` (as small, decoded at half the speed) or `lz4` (cheapest to flush). */
    chunk_encoding: 'zstd' as ChunkEncoding,
    chunk_idle_period: '30m',
    max_chunk_age: '2h',
    /** Keep flushed chunks in memory this long, so queries never miss data between memory and store. */
    chunk_retain_period: '30s',
    flush_check_period: '1s',
    flush_on_shutdown: false,
    /** How many chunks are written to the store at once. */
    concurrent_flushes: 16,
    /**
     * Bytes of the ingest log this process may have in flight while reading its partitions, all
     * together: bounds memory during a replay of any backlog, well under nats-server's max_pending.
     */
    max_read_bytes_in_flight: 32 * 1024 * 1024,
    /** A partition's lease expires this long after its owner last renewed it; another ingester then takes it. */
    lease_ttl: '15s',
  },
  query_range: {
    split_queries_by_interval: '30m',
    /** Split a query that allows it by stream as well (log queries, sums of counts and rates), as Loki's query sharding does. */
    parallelise_shardable_queries: true,
    /**
     * Shards of such a query per time piece. Each is a sub-query that asks the index and every
     * ingester, so a small query pays for each; shards of a tenant's streams are not equal, and
     * the thread with the larger ones finishes last: 8 keep both threads of a 2-core querier busy
     * to the end of a scan (a logfmt metric over 10M lines: 4 shards 6.5 s, 8 shards 5.9 s, 16 no
     * better). A log query gets half as many. Raise it with the querier threads of the cluster.
     */
    shard_count: 8,
    /**
     * Keep metric queries' answers per split interval (and log queries' empty ones, and /series
     * and /labels answers) in the NATS KV bucket muninn-results-cache, shared by every frontend.
     */
    cache_results: true,
    results_cache: {
      /** How long an answer stays in the cache. */
      ttl: '1h',
      /** The bucket's size; past it the oldest answers are dropped. */
      max_size_mb: 256,
    },
  },
  frontend: {
    /** Sub-queries of one tenant a frontend has on the queue and not yet answered; past it a query answers 429 (Loki's default). */
    max_outstanding_per_tenant: 2048,
    max_retries: 5,
    /** How long the frontend waits for one sub-query before retrying it. */
    subquery_timeout: '30s',
    /**
     * Sub-queries a frontend keeps on the work queue at once, all tenants together; the rest wait
     * at the frontend in a queue per tenant, served in turn, so one tenant's flood cannot make
     * another's queries wait behind it. 0: twice the live queriers' max_concurrent.
     */
    max_subqueries_in_flight: 0,
  },
  querier: {
    /** Sub-queries a querier process runs at once, spread over its threads. */
    max_concurrent: 4,
    /** Worker threads of the querier role; 0: one per core. */
    worker_threads: 0,
    query_timeout: '1m',
    /**
     * Sub-queries that end longer ago than this are answered from the store alone (Loki's
     * query_ingesters_within); 0: always ask. Lines pushed with older timestamps stay unseen by
     * such sub-queries until flushed, so the default asks: an ingester answers a range it holds
     * nothing of at once.
     */
    query_ingesters_within: '0s',
    /** How long a querier waits for every live ingester's in-memory answer. */
    ingester_query_timeout: '10s',
    /** A live tail is ended after this long (Loki's tail_max_duration), so none is held for ever. */
    tail_max_duration: '1h',
  },
  storage_config: {
    /** filesystem (default) or s3. */
    object_store: 'filesystem' as 'filesystem' | 's3',
    filesystem: {
      /** Defaults to <path_prefix>/store. */
      directory: '',
    },
    aws: {
      endpoint: '',
      bucketnames: '',
      region: 'us-east-1',
      access_key_id: '',
      secret_access_key: '',
      s3forcepathstyle: true,
    },
    /**
     * Bytes of index files each querier process keeps downloaded (under <path_prefix>/index-cache,
     * shared by its threads); past it the least recently used files no query reads are deleted.
     */
    index_cache_max_bytes: 1024 ** 3,
  },
  compactor: {
    /** Where the compactor downloads and merges index files; defaults to <path_prefix>/compactor. */
    working_directory: '',
    /** How often the compactor merges every tenant's days of index files (Loki's default). */
    compaction_interval: '10m',
    /**
     * Index files merged into a compacted file are deleted this long after it appeared, so a
     * query that listed them before can still read them (the default of Loki's retention_delete_delay).
     */
    index_delete_delay: '2h',
    /** The compactor's lease lapses this long after its holder last renewed it; another compactor then takes over. */
    lease_ttl: '30s',
    /** Delete chunks past their tenant's and stream's retention (limits_config.retention_period, retention_stream), as Loki's. */
    retention_enabled: false,
    /** Chunks past retention are deleted this long after their index rows were removed (never before index_delete_delay), as Loki's. */
    retention_delete_delay: '2h',
    /**
     * A delete request can be cancelled this long after it was made; only then does the compactor
     * take it up and remove its lines from the store (Loki's default).
     */
    delete_request_cancel_period: '24h',
  },
  limits_config: {
    /** Longer lines are refused (line_too_long), or cut to this length when max_line_size_truncate is on; 0: any length. */
    max_line_size: 256 * 1024,
    max_line_size_truncate: false,
    max_label_names_per_series: 30,
    max_label_name_length: 1024,
    max_label_value_length: 2048,
    reject_old_samples: true,
    reject_old_samples_max_age: '1w',
    creation_grace_period: '10m',
    /** Per-tenant push rate in MB/s (0: unlimited) and burst; over it a push gets 429. */
    ingestion_rate_mb: 4,
    ingestion_burst_size_mb: 6,
    /**
     * `global`: ingestion_rate_mb is the tenant's rate across the cluster, each distributor
     * allowing its share (the rate over the live distributors); `local`: each distributor
     * allows the whole rate. Loki's default; not overridable per tenant, as in Loki.
     */
    ingestion_rate_strategy: 'global' as 'global' | 'local',
    /** Streams a tenant may have in ingester memory across the cluster; past it a push of a new stream gets 429 (0: no limit). */
    max_global_streams_per_user: 5000,
    max_query_series: 500,
    max_entries_limit_per_query: 5000,
    /** The longest time range a query may cover (Loki's 30d1h); 0: no limit. */
    max_query_length: '721h',
    /** Sub-queries of one query in flight at once. */
    max_query_parallelism: 32,
    /** Answers about the last this much of time are never cached: data may still arrive for it (Loki's name). */
    max_cache_freshness_per_query: '10m',
    /** Compressed chunk bytes one sub-query may read (Loki's name; 0: no limit); past it the query gets 400. */
    max_querier_bytes_read: 8 * 1024 ** 3,
    /** Streams or labels one window of a log-volume answer may hold before the query fails with 400 (Loki's default; 0: no limit). */
    volume_max_series: 1000,
    /** Live tails (/loki/api/v1/tail) one tenant may hold at once across the cluster; past it a tail is refused, as Loki's. */
    max_concurrent_tail_requests: 10,
    /** How long chunks are kept when compactor.retention_enabled is on (Loki's); 0: for ever. */
    retention_period: '0s',
    /**
     * Periods for the streams a selector matches, over retention_period: of the rules matching a
     * stream, the highest priority wins, and of equal priorities the shortest period (Loki's rule).
     */
    retention_stream: [] as RetentionStream[],
    /**
     * The delete API for the tenant: `disabled` (403), `filter-only` (queries hide the lines a
     * request names) or `filter-and-delete` (and the compactor removes them from the store);
     * Loki's default.
     */
    deletion_mode: 'filter-and-delete' as DeletionMode,
  },
  runtime_config: {
    /** A YAML file of per-tenant overrides (`overrides: { <tenant>: { <limits_config keys> } }`), read again every period; empty: none. */
    file: '',
    period: '10s',
  },
};

export type Config = typeof defaults;
