// What one render may build. Go's templates have no bound, so one line_format could build gigabytes
// per line; here every result, and every string a function returns, is held to max_line_size.
import { TemplateError } from './errors.ts';

/** limits_config.max_line_size's default (256KB): the bound when the caller gives none, or 0. */
export const MAX_LINE_SIZE = 262_144;

const exceeds = (max: number) => `result exceeds the line size limit of ${max} bytes`;

/** A function's refusal; the executor then says which call it was, as for any function's error. */
export const tooLarge = (max: number) => new TemplateError(exceeds(max));

/** The whole output too long: no one node is to blame, so Go's form for an error without one. */
export const outputTooLarge = (name: string, max: number) => new TemplateError(`template: ${name}: ${exceeds(max)}`);

/**
 * Refuses a string of `units` UTF-16 code units before it is built when it cannot fit in `max`
 * bytes: a code unit is at least one UTF-8 byte, so more units than `max` is always too long.
 */
export function ensureFits(units: number, max: number): void {
  if (units > max) throw tooLarge(max);
}
