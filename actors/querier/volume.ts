// Loki's index stats and log volume for one (sub-)query, from the index and the ingesters' memory
// without reading a chunk. A chunk the index names counts by its row (entries, and raw_bytes, the
// bytes of its lines; a file older than schema 2 has only the stored size, which stands in), shared
// among the query's windows by time as Loki prorates a chunk a range cuts (model/windows.ts).
// Ingesters count what they hold the same way (bus/ingester-volume.ts); a chunk they still hold
// after its flush is left out when the index names it too (same stream, same max_seq), so it
// counts once. Not deduplicated: lines a crashed ingester flushed and its successor replayed
// before the checkpoint moved are in two chunks, and count twice (queries drop such duplicates
// line by line; counts cannot).
import { askIngesterVolumes, type StreamVolume, type VolumePiece, type VolumeRequest } from '../../bus/index.ts';
import { QueryError } from '../../logql/errors.ts';
import { parseIndexSelector, parseVolumeSelector } from '../../logql/parser/index.ts';
import { formatLabels, parseLabels, type Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matchers.ts';
import { msToNs } from '../../model/time.ts';
import { Windows } from '../../model/windows.ts';
import { coverageWarnings, type SourceDeps } from './source.ts';

/** Loki's /index/stats answer. */
export interface IndexStats {
  streams: number;
  chunks: number;
  bytes: number;
  entries: number;
}

/** One counted part of a stream: a chunk of the index, or what an ingester holds. */
interface Part {
  fp: string;
  labels: Labels;
  /** Flat triples: window, entries, bytes. */
  counts: number[];
}

/**
 * Streams, chunks (whole, as Loki counts them: every chunk the range touches), and entries and
 * bytes of lines (a chunk's share of them by the time it spends in the range).
 */
export async function indexStats(deps: SourceDeps, req: { tenant: string; query: string; start: string; end: string }, warnings: Set<string>): Promise<IndexStats> {
  const matchers = parseIndexSelector(req.query);
  const windows = new Windows(BigInt(req.start), BigInt(req.end), 0n);
  const out: IndexStats = { streams: 0, chunks: 0, bytes: 0, entries: 0 };
  const streams = new Set<string>();
  for (const p of await countedParts(deps, req.tenant, matchers, windows, warnings)) {
    out.chunks++;
    for (let i = 0; i < p.counts.length; i += 3) {
      out.entries += p.counts[i + 1];
      out.bytes += p.counts[i + 2];
      if (p.counts[i + 1] > 0) streams.add(p.fp);
    }
  }
  out.streams = streams.size;
  return out;
}

/**
 * Bytes of lines per window by stream (its labels cut to what the query names) or by label name,
 * Loki's way: the top `limit` of each window, largest first, ties by name.
 */
export async function volume(deps: SourceDeps, req: VolumeRequest, maxSeries: number, warnings: Set<string>): Promise<VolumePiece> {
  const { matchers, nameOf } = volumeNaming(parseVolumeSelector(req.query), req.targetLabels, req.aggregateBy);
  const windows = new Windows(BigInt(req.start), BigInt(req.end), BigInt(req.step));
  const perWindow = new Map<number, Map<string, number>>();
  for (const p of await countedParts(deps, req.tenant, matchers, windows, warnings)) {
    const names = nameOf(p.labels);
    for (let i = 0; i < p.counts.length; i += 3) {
      const bytes = p.counts[i + 2];
      if (bytes <= 0) continue;
      let m = perWindow.get(p.counts[i]);
      if (!m) perWindow.set(p.counts[i], (m = new Map()));
      for (const n of names) m.set(n, (m.get(n) ?? 0) + bytes);
      // Loki's volume_max_series, per window as Loki's is per bucket
      if (maxSeries > 0 && m.size > maxSeries) throw new QueryError(`the query hit the max number of series limit (limit: ${maxSeries} series)`);
    }
  }
  const out: VolumePiece = { windows: [] };
  for (const i of [...perWindow.keys()].sort((a, b) => a - b)) {
    const top = [...perWindow.get(i)!].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, req.limit);
    out.windows.push([String(windows.endOf(i)), top]);
  }
  return out;
}

/**
 * What a volume query selects and names each stream by, as Loki's PrepareLabelsAndMatchers: with
 * targetLabels, those labels (and a `=~".+"` matcher for each the selector does not name); without,
 * the labels the selector names, or every label for `{}`. Aggregated by labels, a stream counts
 * under each such label's name (without targetLabels, under every label it has).
 */
export function volumeNaming(matchers: Matcher[], targetLabels: string[], aggregateBy: 'series' | 'labels') {
  const all = matchers.length === 0 && targetLabels.length === 0;
  let named: Set<string>;
  let selected = matchers;
  if (targetLabels.length) {
    named = new Set(targetLabels);
    const present = new Set(matchers.map((m) => m.name));
    selected = [...matchers, ...[...named].filter((n) => !present.has(n)).map((name): Matcher => ({ name, op: '=~', value: '.+' }))];
  } else named = new Set(matchers.map((m) => m.name));
  const keep = (name: string) => all || named.has(name);
  const nameOf =
    aggregateBy === 'series'
      ? (labels: Labels) => [formatLabels(labels.filter(([n]) => keep(n)))]
      : targetLabels.length
        ? (labels: Labels) => labels.filter(([n]) => keep(n)).map(([n]) => n)
        : (labels: Labels) => labels.map(([n]) => n);
  return { matchers: selected, nameOf };
}

/**
 * Every part counted for a query: the index's chunks overlapping its range, each shared among the
 * windows, and the ingesters' parts, less the chunks the index names too.
 */
async function countedParts(deps: SourceDeps, tenant: string, matchers: Matcher[], windows: Windows, warnings: Set<string>): Promise<Part[]> {
  const [memory, refs] = await Promise.all([fromIngesters(deps, tenant, matchers, windows, warnings), deps.index.chunks(tenant, matchers, windows.start, windows.end)]);
  const indexed = new Set<string>();
  const parts: Part[] = [];
  for (const r of refs) {
    indexed.add(`${r.fingerprint}/${r.maxSeq}`);
    const counts: number[] = [];
    windows.spread(r.from, r.through, r.entries, r.rawBytes ?? r.bytes, (i, e, b) => counts.push(i, e, b));
    parts.push({ fp: r.fingerprint, labels: r.labels, counts });
  }
  for (const s of memory) {
    let labels: Labels | undefined;
    for (const p of s.parts) {
      if (p.maxSeq !== undefined && indexed.has(`${s.fp}/${p.maxSeq}`)) continue;
      parts.push({ fp: s.fp, labels: (labels ??= parseLabels(s.labels)), counts: p.counts });
    }
  }
  return parts;
}

/** What the lease holders count of their memory; partitions none of them answered for are warned of (source.ts). */
async function fromIngesters(deps: SourceDeps, tenant: string, matchers: Matcher[], windows: Windows, warnings: Set<string>): Promise<StreamVolume[]> {
  const within = deps.queryIngestersWithinMs;
  if (within > 0 && windows.end < msToNs(Date.now() - within)) return [];
  const got = await askIngesterVolumes(
    deps.nc,
    deps.partitions.owners(),
    { tenant, matchers, start: String(windows.start), end: String(windows.end), step: String(windows.step) },
    deps.ingesterTimeoutMs,
  );
  for (const w of coverageWarnings(deps.partitions.count, got.covered, got.behind)) warnings.add(w);
  return got.streams;
}
