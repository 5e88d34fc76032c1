// Log volume through the frontend: a range (Loki's /index/volume_range) is cut into its step windows
// (model/windows.ts, aligned to multiples of the step) and the windows grouped by the UTC day they
// start in, one sub-query per day (Loki splits index queries by 24h; no window is ever cut, so each
// querier ranks a window's whole volume). An instant volume is one sub-query. The answers become
// Loki's Prometheus-shaped data: one series per name with a sample per window it was in the top
// `limit` of, stamped as Loki stamps buckets (the query's end for the last, a millisecond before
// the next window for the others); a vector when no series has more than one sample (so also a
// range with a single window, as Loki answers), else a matrix; largest first sample first.
import type { VolumePiece, VolumeRequest } from '../../bus/index.ts';
import { parseLabels } from '../../model/labels.ts';
import { Windows } from '../../model/windows.ts';

const DAY = 86_400_000_000_000n;
const NS_PER_MS = 1_000_000n;

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return q * b > a ? q - 1n : q;
};

/** The sub-queries of a volume query: whole windows, a UTC day of window starts each. */
export function volumePieces(req: VolumeRequest): VolumeRequest[] {
  if (req.step <= 0) return [req];
  const w = new Windows(BigInt(req.start), BigInt(req.end), BigInt(req.step));
  const out: VolumeRequest[] = [];
  let first = 0;
  for (let i = 1; i <= w.count; i++) {
    if (i < w.count && floorDiv(w.startOf(i), DAY) === floorDiv(w.startOf(first), DAY)) continue;
    out.push({ ...req, start: String(w.startOf(first)), end: String(w.endOf(i - 1)) });
    first = i;
  }
  return out;
}

type Sample = [number, string];
type VolumeSeries = { metric: Record<string, string>; value: Sample } | { metric: Record<string, string>; values: Sample[] };

/** Loki's answer made of the pieces' windows (each piece a querier's VolumePiece). */
export function volumeAnswer(req: VolumeRequest, answers: readonly unknown[]): { resultType: 'vector' | 'matrix'; result: VolumeSeries[] } {
  const end = BigInt(req.end);
  const byName = new Map<string, Array<[ms: bigint, bytes: number]>>();
  for (const piece of answers as VolumePiece[])
    for (const [windowEnd, volumes] of piece.windows) {
      const at = BigInt(windowEnd);
      // Loki's buckets end a millisecond before the next starts; its through is rounded up to the millisecond
      const ms = at === end ? (end + NS_PER_MS - 1n) / NS_PER_MS : at / NS_PER_MS - 1n;
      for (const [name, bytes] of volumes) {
        let samples = byName.get(name);
        if (!samples) byName.set(name, (samples = []));
        samples.push([ms, bytes]);
      }
    }
  const series = [...byName].map(([name, samples]) => ({ name, samples: samples.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) }));
  // by the first sample's value, largest first, then by name (Loki sorts so; it helps instant queries)
  series.sort((a, b) => b.samples[0][1] - a.samples[0][1] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const matrix = series.some((s) => s.samples.length > 1);
  const metricOf = (name: string): Record<string, string> => (req.aggregateBy === 'series' ? Object.fromEntries(parseLabels(name)) : { [name]: '' });
  const sample = ([ms, bytes]: [bigint, number]): Sample => [Number(ms) / 1000, String(bytes)];
  return {
    resultType: matrix ? 'matrix' : 'vector',
    result: series.map((s) => (matrix ? { metric: metricOf(s.name), values: s.samples.map(sample) } : { metric: metricOf(s.name), value: sample(s.samples[0]) })),
  };
}
