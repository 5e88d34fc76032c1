// A pushed stream as every front end (HTTP JSON or protobuf, NATS agents) hands it to the
// distributor: label text and entries column-wise, so that a push of a thousand lines reaches the
// ingest log without an object or a string per line; and the way to build one from entry objects.
import { columnsFromRows, type EntryColumns } from '../../model/batch.ts';
import { sortLabels } from '../../model/labels.ts';

/** One entry of a push as a decoder that makes objects sees it. */
export interface PushEntry {
  /** Nanoseconds since the Unix epoch. */
  ts: bigint;
  line: string;
  /** Structured metadata (Loki 3), as the client sent it; absent when there is none. */
  metadata?: Array<[string, string]>;
}

/**
 * One stream as the client sent it. `labels` is always text, `{a="b", c="d"}`:
 * a protobuf push carries it so, and a JSON `stream` object is rendered the
 * way Loki does (names sorted, values Go-quoted); validate.ts parses it, so
 * every format meets the same rules and the same messages. Entries are in the
 * order sent; each entry's structured metadata is sorted by name.
 */
export interface PushStream {
  labels: string;
  entries: EntryColumns;
}

export const pushStreamOf = (labels: string, entries: readonly PushEntry[]): PushStream => ({
  labels,
  entries: columnsFromRows(entries.map((e) => [e.ts, Buffer.from(e.line, 'utf8'), e.metadata?.length ? sortLabels([...e.metadata]) : undefined])),
});
