// The json parser stage: without parameters every field becomes a label (jsonparser's reading),
// with them (`json a="b.c", d="e[0]"`) each names one value (json-iterator's).
import type { JsonStage } from '../ast.ts';
import { QueryError } from '../errors.ts';
import { ERROR } from './label-filter.ts';
import { ALL_LABELS, type ParserHints } from './hints.ts';
import { lookup, validJson } from './json-iterator.ts';
import { JsonScanner } from './json-scanner.ts';
import { fail, Names, type Step } from './parsers.ts';

/** `json`, or `json a="b.c"`: with parameters each becomes a label, "" when the line lacks it. */
export function jsonStep(s: JsonStage, hints: ParserHints = ALL_LABELS): Step {
  if (hints.none) return () => {};
  if (!s.params.length) {
    const scanner = new JsonScanner(hints);
    return (e) => {
      const err = scanner.run(e);
      if (err !== undefined) fail(e, 'JSONParserErr', err);
    };
  }
  const params = s.params.map((p) => ({ label: p.label, path: jsonPath(p.expr) }));
  const names = new Names();
  return (e) => {
    // Loki only checks the line here, and gives no details
    if (!validJson(e.line)) return void e.labels.set(ERROR, 'JSONParserErr');
    for (const p of params) names.put(e, p.label, lookup(e.line, p.path));
  };
}

/** `a.b[0]`, `["a.b"].c` → path segments. */
function jsonPath(expr: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /\s*(?:\.?([a-zA-Z_][a-zA-Z0-9_-]*)|\[(\d+)\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\])/y;
  let at = 0;
  while (at < expr.length) {
    re.lastIndex = at;
    const m = re.exec(expr);
    if (!m) throw new QueryError(`invalid json expression ${JSON.stringify(expr)}`);
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`)));
    at = re.lastIndex;
  }
  return out;
}
