// Unwrap's conversion of a label value to a sample, as Loki's sample extractor does it.
import type { UnwrapConversion } from '../ast.ts';
import { durationSeconds, parseGoDuration, parseGoFloat, parseHumanBytes } from '../go-convert.ts';

/** The sample an unwrapped label value gives; throws ConversionError with Go's text. */
export function convertUnwrapped(value: string, conversion: UnwrapConversion | undefined): number {
  switch (conversion) {
    case 'bytes':
      return parseHumanBytes(value);
    case 'duration':
    case 'duration_seconds':
      return durationSeconds(parseGoDuration(value));
    default:
      return parseGoFloat(value);
  }
}
