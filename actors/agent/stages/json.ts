// promtail's `json` stage: each of `expressions` (name: JMESPath, empty for the name itself) takes
// a value from the line, or from an extracted value (`source`), parsed as a JSON object. Numbers,
// strings, booleans and null are kept as they are, objects and arrays as JSON text; a line that is
// no JSON object changes nothing, or is dropped with `drop_malformed`.
//
// The JMESPath supported is its field paths: `a.b`, `a[0].b`, `"a.b".c` (not filters, slices or
// functions). LogQL's json parser (logql/pipeline/json.ts) reads bytes into strings only, where
// promtail keeps a value's type and tells null from missing, so this stage parses with JSON.parse.
import { ConfigError } from '../../../config/index.ts';
import { bool, checkKeys, isTree, str } from '../config.ts';
import { valueString } from '../entry.ts';
import type { StageFactory } from './stage.ts';

type Path = Array<string | number>;

export const jsonStage: StageFactory = (cfg, where, next, ctx) => {
  const c = checkKeys(cfg, ['expressions', 'source', 'drop_malformed'], where);
  if (!isTree(c.expressions) || Object.keys(c.expressions).length === 0) throw new ConfigError(`${where}.expressions: at least one expression is required`);
  const expressions = Object.entries(c.expressions).map(([name, x]) => {
    const expr = x === null || x === undefined || x === '' ? name : str(x, `${where}.expressions.${name}`);
    return { name, path: jmesPath(expr, `${where}.expressions.${name}`) };
  });
  const source = c.source === undefined ? undefined : str(c.source, `${where}.source`);
  const dropMalformed = bool(c.drop_malformed, `${where}.drop_malformed`, false);
  return {
    push(e) {
      if (source !== undefined && !e.extracted.has(source)) return next(e);
      const input = source === undefined ? e.line : valueString(e.extracted.get(source));
      if (input === undefined) return next(e);
      let data: unknown;
      try {
        data = JSON.parse(input);
      } catch {
        data = undefined;
      }
      if (!isTree(data)) return dropMalformed ? ctx.dropped(e, 'malformed_json') : next(e);
      for (const x of expressions) {
        const v = search(data, x.path);
        e.extracted.set(x.name, v === null || typeof v !== 'object' ? (v ?? null) : JSON.stringify(v));
      }
      next(e);
    },
  };
};

function search(data: unknown, path: Path): unknown {
  let at = data;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(at)) return null;
      at = at[seg < 0 ? at.length + seg : seg];
    } else {
      if (!isTree(at)) return null;
      at = at[seg];
    }
    if (at === undefined) return null;
  }
  return at;
}

/** `a.b[0]."c.d"` → ['a', 'b', 0, 'c.d']. */
export function jmesPath(expr: string, where: string): Path {
  const out: Path = [];
  const re = /\s*(?:(?:^|\.)\s*([A-Za-z_][A-Za-z0-9_]*)|(?:^|\.)\s*"((?:[^"\\]|\\.)*)"|\[\s*(-?\d+)\s*\])\s*/y;
  let at = 0;
  while (at < expr.length) {
    re.lastIndex = at;
    const m = re.exec(expr);
    if (!m) throw new ConfigError(`${where}: unsupported JMESPath ${JSON.stringify(expr)} (field paths only: a.b[0]."c.d")`);
    out.push(m[1] ?? (m[2] !== undefined ? (JSON.parse(`"${m[2]}"`) as string) : Number(m[3])));
    at = re.lastIndex;
  }
  if (out.length === 0) throw new ConfigError(`${where}: empty JMESPath`);
  return out;
}
