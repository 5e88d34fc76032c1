// promtail's `timestamp` stage: the extracted value `source`, parsed with `format` (a Go layout,
// a Go layout constant's name, or Unix, UnixMs, UnixUs, UnixNs) or one of `fallback_formats`, in
// `location` when it names no zone, becomes the entry's time. On failure `action_on_failure`
// fudge (the default) gives the entry its stream's last parsed time plus 1ns, skip keeps the read time.
import { ConfigError } from '../../../config/index.ts';
import { type Chunk, parseTime, splitLayout } from '../../../logql/template/layout.ts';
import { zoneOf } from '../../../logql/template/funcs/dates.ts';
import { formatLabels, sortLabels } from '../../../model/labels.ts';
import { checkKeys, str } from '../config.ts';
import { valueString } from '../entry.ts';
import type { StageFactory } from './stage.ts';

/** Go's layout constants, as promtail accepts them by name. */
const GO_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
};

/** Digits of a Unix time in seconds (with an optional fraction), ms, µs or ns. */
const UNIX_SCALE: Record<string, bigint> = { Unix: 1_000_000_000n, UnixMs: 1_000_000n, UnixUs: 1_000n, UnixNs: 1n };

/** Streams whose last time fudge remembers, as promtail's LRU of 10,000. */
const REMEMBERED = 10_000;

type Parser = (s: string) => bigint;

function parserOf(format: string, location: string, where: string): Parser {
  const scale = UNIX_SCALE[format];
  if (scale !== undefined) {
    return (s) => {
      const m = /^(-?\d+)(?:\.(\d+))?$/.exec(s.trim());
      if (!m) throw new Error('not a number');
      const frac = format === 'Unix' && m[2] ? BigInt(m[2].slice(0, 9).padEnd(9, '0')) : 0n;
      return BigInt(m[1]) * scale + frac;
    };
  }
  const layout = GO_LAYOUTS[format] ?? format;
  let chunks: Chunk[] = splitLayout(layout);
  // a layout without a year reads the current one, as promtail does (Go would say year 0)
  const yearless = !chunks.some((c) => 'std' in c && (c.std === '2006' || c.std === '06'));
  if (yearless) chunks = splitLayout(`2006 ${layout}`);
  if (!chunks.some((c) => 'std' in c)) throw new ConfigError(`${where}: format ${JSON.stringify(format)} has no time element`);
  const zone = zoneOf(location);
  return (s) => parseTime(chunks, yearless ? `${new Date().getUTCFullYear()} ${s}` : s, zone).ns;
}

export const timestampStage: StageFactory = (cfg, where, next) => {
  const c = checkKeys(cfg, ['source', 'format', 'fallback_formats', 'location', 'action_on_failure'], where);
  const source = str(c.source, `${where}.source`);
  const location = str(c.location, `${where}.location`, '');
  const fallbacks = c.fallback_formats === undefined ? [] : Array.isArray(c.fallback_formats) ? c.fallback_formats : [c.fallback_formats];
  const parsers = [str(c.format, `${where}.format`), ...fallbacks.map((f, i) => str(f, `${where}.fallback_formats[${i}]`))].map((f) => parserOf(f, location, where));
  const action = str(c.action_on_failure, `${where}.action_on_failure`, 'fudge');
  if (action !== 'fudge' && action !== 'skip') throw new ConfigError(`${where}.action_on_failure must be fudge or skip, got ${JSON.stringify(action)}`);
  const last = new Map<string, bigint>();
  const streamOf = (labels: Map<string, string>) => formatLabels(sortLabels([...labels]));
  const parse = (s: string): bigint | undefined => {
    for (const p of parsers) {
      try {
        return p(s);
      } catch {
        // the next format
      }
    }
    return undefined;
  };
  return {
    push(e) {
      const v = e.extracted.has(source) ? valueString(e.extracted.get(source)) : undefined;
      const ts = v === undefined ? undefined : parse(v);
      if (ts !== undefined) {
        e.ts = ts;
        if (action === 'fudge') remember(last, streamOf(e.labels), ts);
      } else if (action === 'fudge') {
        const key = streamOf(e.labels);
        const before = last.get(key);
        if (before !== undefined) {
          e.ts = before + 1n;
          remember(last, key, e.ts);
        }
      }
      next(e);
    },
  };
};

function remember(last: Map<string, bigint>, key: string, ts: bigint): void {
  last.delete(key);
  last.set(key, ts);
  if (last.size > REMEMBERED) last.delete(last.keys().next().value!);
}
