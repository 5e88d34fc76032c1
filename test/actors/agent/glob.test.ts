import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { globFiles } from '../../../actors/agent/glob.ts';
import { tempDir } from '../../helpers/node.ts';

test('globs match files by *, ?, [..], {a,b} and ** (directories never)', async (t) => {
  const dir = await tempDir(t);
  for (const f of ['a.log', 'b.log', 'c.txt', 'x1.log', 'sub/d.log', 'sub/deep/e.log', 'sub/deep/f.txt']) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), '');
  }
  await mkdir(join(dir, 'dir.log'));
  const rel = async (g: string) => (await globFiles(join(dir, g))).map((p) => p.slice(dir.length + 1));
  t.deepEqual(await rel('*.log'), ['a.log', 'b.log', 'x1.log']);
  t.deepEqual(await rel('?.log'), ['a.log', 'b.log']);
  t.deepEqual(await rel('[ab].log'), ['a.log', 'b.log']);
  t.deepEqual(await rel('*.{log,txt}'), ['a.log', 'b.log', 'c.txt', 'x1.log']);
  t.deepEqual(await rel('**/*.log'), ['a.log', 'b.log', 'sub/d.log', 'sub/deep/e.log', 'x1.log']);
  t.deepEqual(await rel('sub/*/*.txt'), ['sub/deep/f.txt']);
  t.deepEqual(await rel('a.log'), ['a.log']);
});
