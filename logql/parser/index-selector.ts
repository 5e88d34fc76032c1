// The `query` of Loki's index endpoints (index stats, log volume): parsed as a whole query and
// validated, as Loki's ParseMatchers does, then refused unless it is a bare stream selector. The
// volume endpoints also take `{}` (Loki's MatchAny): every stream.
import type { Matcher } from '../../model/matchers.ts';
import { QueryError } from '../errors.ts';
import { parseExpr } from './parser.ts';

/** The matchers of a bare selector; a parse error, or Loki's 400 for a query with more than a selector. */
export function parseIndexSelector(query: string): Matcher[] {
  const e = parseExpr(query);
  if (e.kind !== 'log' || e.pipeline.length) throw new QueryError('only label matchers are supported');
  return e.matchers;
}

/** As parseIndexSelector, and `{}` as written is every stream (no matchers). */
export const parseVolumeSelector = (query: string): Matcher[] => (query === '{}' ? [] : parseIndexSelector(query));
