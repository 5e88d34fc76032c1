// The LogQL parser's public surface.
export { parseExpr, parseMatchers } from './parser.ts';
export { parseIndexSelector, parseVolumeSelector } from './index-selector.ts';
export { ParseError } from './errors.ts';
export { parseDuration, formatDuration } from './units.ts';
