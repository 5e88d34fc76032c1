// What roles may use of the bus: verbs over NATS, never subject strings.
export { connectBus, natsAnswers, watchConnection, DEFAULT_NATS_URL } from './connection.ts';
export { BusError, BusTimeoutError, isNoResponders } from './errors.ts';
export { whenAnswered } from './when-answered.ts';
export { encode, decode } from './codec.ts';
export { subjects, queueGroups } from './subjects.ts';
export { IngestLog } from './ingest-log.ts';
export { ByteBudget } from './byte-budget.ts';
export type { LogMessage, PartitionReader, ReaderEvents } from './ingest-reader.ts';
export { encodeIngestBatch, decodeIngestBatch, type IngestBatch, type IngestStream } from './ingest-batch.ts';
export { Checkpoints, CheckpointFencedError, type Checkpoint, type HeldCheckpoint } from './checkpoints.ts';
export { Members, MEMBER_TTL_MS, type Member } from './members.ts';
export { BucketView, type ViewEntry } from './bucket-view.ts';
export { Leases, LeaseLostError, leaseOf, type Lease } from './leases.ts';
export { CompactorLease, type CompactorHolder } from './compactor-lease.ts';
export { Inbox, replyInParts, RemoteError } from './inbox.ts';
export { WorkQueue, queueStatus, type Task, type QueueStatus } from './work-queue.ts';
export { jetStreamStatus, type JetStreamStatus, type StreamStatus } from './jetstream-status.ts';
export { serveIngesterQueries, askIngesters, type IngesterAnswer, type IngesterQuery, type IngestersAnswer } from './ingester-query.ts';
export {
  serveIngesterVolumes,
  askIngesterVolumes,
  type IngesterVolumeQuery,
  type IngesterVolumeAnswer,
  type IngestersVolumeAnswer,
  type MemoryPart,
  type StreamVolume,
} from './ingester-volume.ts';
export { ResultsCache, type ResultsCacheOptions } from './results-cache.ts';
export { serveFrontend, askFrontend, type FrontendAnswer, type QueryRequest, type VolumePiece, type VolumeRequest } from './frontend-query.ts';
export { servePush, pushOverBus, type BusPushStream } from './push.ts';
export { openTail, serveTails, KEEPALIVE_MS, type TailEvents, type TailFrame, type TailLink, type TailRequest, type TailSink, type OpenTail } from './tail.ts';
export { TailInterest, announceTails, publishTailFeed, subscribeTailFeed, INTEREST_EVERY_MS } from './tail-feed.ts';
export { DeleteRequests, DeleteRequestsView, type DeleteRequest, type DeleteStatus, type StoredRequest } from './delete-requests.ts';
