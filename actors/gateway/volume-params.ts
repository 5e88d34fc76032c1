// The parameters of Loki's index endpoints, read as Loki reads them: /index/stats takes a range
// query's (query_range's, step and limit checked though unused), /index/volume an instant query's
// with start and end, /index/volume_range a range query's; the volume ones add `limit` (0 or none:
// 100), `targetLabels` (comma-separated) and `aggregateBy` (series or labels). The query must be a
// bare selector (`{}` too, for volume); a bad one is a 400 before any work.
import { parseIndexSelector, parseVolumeSelector } from '../../logql/parser/index.ts';
import { httpErrors } from '../http-error.ts';
import { parseInstantQuery, parseLabelsQuery, parseLimit, parseRangeQuery } from './params.ts';

const DEFAULT_VOLUME_LIMIT = 100;

export interface IndexStatsParams {
  query: string;
  start: bigint;
  end: bigint;
}

export interface VolumeParams {
  query: string;
  start: bigint;
  end: bigint;
  /** ns; 0 for an instant volume. */
  step: bigint;
  limit: number;
  targetLabels: string[];
  aggregateBy: 'series' | 'labels';
}

/** `/loki/api/v1/index/stats`. */
export function parseIndexStatsQuery(sp: URLSearchParams, now: Date): IndexStatsParams {
  const { query, start, end } = parseRangeQuery(sp, now);
  parseIndexSelector(query);
  return { query, start, end };
}

/** `/loki/api/v1/index/volume` (range false) and `/index/volume_range` (range true). */
export function parseVolumeQuery(sp: URLSearchParams, now: Date, range: boolean): VolumeParams {
  const limit = volumeLimit(sp.get('limit') ?? '');
  const withLimit = new URLSearchParams(sp);
  withLimit.set('limit', String(limit));
  // in Loki's order: the range's parameters (or the instant query's time and direction, read
  // and refused when bad though unused), aggregateBy, then an instant volume's start and end
  let ranged: { start: bigint; end: bigint; step: bigint } | undefined;
  if (range) ranged = parseRangeQuery(withLimit, now);
  else parseInstantQuery(withLimit, now);
  const aggregateBy = sp.get('aggregateBy') || 'series';
  if (aggregateBy !== 'series' && aggregateBy !== 'labels') throw httpErrors.badRequest('invalid aggregation option');
  const { start, end } = ranged ?? instantBounds(sp, now);
  const query = sp.get('query') ?? '';
  parseVolumeSelector(query);
  const targetLabels = (sp.get('targetLabels') ?? '').split(',').filter((n) => n !== '');
  return { query, start, end, step: ranged?.step ?? 0n, limit, targetLabels, aggregateBy };
}

/** An instant volume's range: start and end (or since) as the labels endpoints read them; end before start is a 400. */
function instantBounds(sp: URLSearchParams, now: Date): { start: bigint; end: bigint } {
  const { start, end } = parseLabelsQuery(sp, now);
  if (end < start) throw httpErrors.endBeforeStart();
  return { start, end };
}

/** Loki's volume limit: none or 0 is the default, below 0 a 400. */
function volumeLimit(text: string): number {
  if (text === '' || /^[+-]?0+$/.test(text)) return DEFAULT_VOLUME_LIMIT;
  return parseLimit(text);
}
