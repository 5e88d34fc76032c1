// The unpack parser stage, the inverse of promtail's pack, read with json-iterator as Loki does.
import { ALL_LABELS, type ParserHints } from './hints.ts';
import { QUOTE } from './json-bytes.ts';
import { Iter } from './json-iterator.ts';
import { fail, Names, type EntryState, type Step } from './parsers.ts';

/**
 * A line `{"_entry": "...", "k": "v"}` becomes the line `...` with the string fields as labels.
 * Loki sets those labels only when `_entry` is there.
 */
export function unpackStep(hints: ParserHints = ALL_LABELS): Step {
  if (hints.none) return () => {};
  const names = new Names(hints, true);
  return (e) => unpack(e, names);
}

function unpack(e: EntryState, names: Names): void {
  const it = new Iter(e.line);
  if (it.nextToken() !== 0x7b) return fail(e, 'JSONParserErr', 'expecting json object(6), but it is not');
  const fields: string[] = [];
  let entry: string | undefined;
  let c = it.nextToken();
  if (c === QUOTE) {
    it.unread(c);
    for (;;) {
      const field = it.readString();
      if (it.err !== undefined) break;
      // json-iterator names the byte before the field, not the one it found
      if (it.nextToken() !== 0x3a) {
        it.report('ReadMapCB', `expect : after object field, but found ${String.fromCharCode(c)}`);
        break;
      }
      if (it.peek() !== QUOTE) it.skip();
      else if (field === '_entry') entry = it.readString();
      else fields.push(field, it.readString());
      if (it.err !== undefined) break;
      c = it.nextToken();
      if (c === 0x2c) continue;
      if (c !== 0x7d) it.report('ReadMapCB', 'object not ended with }');
      break;
    }
  } else if (c !== 0x7d) it.report('ReadMapCB', `expect " after {, but found ${String.fromCharCode(c)}`);
  if (it.err !== undefined) return fail(e, 'JSONParserErr', it.err);
  if (entry === undefined) return;
  for (let i = 0; i < fields.length; i += 2) names.put(e, fields[i], fields[i + 1]);
  e.line = Buffer.from(entry, 'utf8');
}
