// The LogQL parser's public surface.
export { parseExpr, parseMatchers } from './parser.ts';
export { ParseError } from './errors.ts';
export { parseDuration, formatDuration } from './units.ts';
