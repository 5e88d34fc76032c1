// The files a `__path__` glob names, as promtail's doublestar globs: `*` and `?` within a path
// segment, `[abc]` classes, `{a,b}` choices, and `**` for any number of directories.
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';

const MAGIC = /[*?[{]/;

/** One segment of a glob as an anchored regular expression. */
export function segmentRegExp(seg: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = seg.slice(i + 1, end);
        re += `[${body.startsWith('!') || body.startsWith('^') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else re += c.replace(/[\\^$.|+()]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files (not directories) matching `pattern`, an absolute glob or one relative to the working directory. */
export async function globFiles(pattern: string): Promise<string[]> {
  const abs = isAbsolute(pattern) ? pattern : resolve(pattern);
  const segs = abs.split(sep).filter((s) => s !== '');
  // the leading segments without magic are a directory to start from
  let i = 0;
  while (i < segs.length && !MAGIC.test(segs[i])) i++;
  const root = sep + segs.slice(0, i).join(sep);
  if (i === segs.length) return (await isFile(root)) ? [root] : [];
  const out: string[] = [];
  await walk(root, segs.slice(i).map((s) => (s === '**' ? '**' : segmentRegExp(s))), out);
  return [...new Set(out)].sort();
}

async function walk(dir: string, rest: Array<RegExp | '**'>, out: string[]): Promise<void> {
  const [head, ...tail] = rest;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (head === '**') {
    if (tail.length) await walk(dir, tail, out);
    for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name), rest, out);
    return;
  }
  for (const e of entries) {
    if (!head.test(e.name)) continue;
    const p = join(dir, e.name);
    if (tail.length === 0) {
      if (e.isFile() || (e.isSymbolicLink() && (await isFile(p)))) out.push(p);
    } else if (e.isDirectory()) await walk(p, tail, out);
  }
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}
