import test from 'ava';
import { pipeline } from '../../../helpers/pipeline.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a first line starts a block that the next lines join until the next first line; lines before the first block pass alone', (t) => {
  const p = pipeline(`[{ multiline: { firstline: '^\\[\\d+\\]' } }]`);
  for (const l of ['stray', '[1] boom', '  at a()', '  at b()', '[2] fine']) p.push(l);
  t.deepEqual(p.out.map((e) => e.line), ['stray', '[1] boom\n  at a()\n  at b()']);
  p.stage.flush!();
  t.deepEqual(p.out.map((e) => e.line).slice(2), ['[2] fine']);
});

test('a block ends at max_lines, and after max_wait_time without a line', async (t) => {
  const p = pipeline(`[{ multiline: { firstline: '^START', max_lines: 2, max_wait_time: 100ms } }]`);
  for (const l of ['START a', 'b', 'c', 'START d']) p.push(l);
  t.deepEqual(p.out.map((e) => e.line), ['START a\nb', 'c']);
  await sleep(300);
  t.deepEqual(p.out.map((e) => e.line), ['START a\nb', 'c', 'START d']);
  p.stage.stop!();
});

test('blocks are per stream, and a block holds back the position of all its lines until it is released', (t) => {
  const p = pipeline(`[{ multiline: { firstline: '^START' } }]`);
  p.push('START x', { s: '1' });
  p.push('START y', { s: '2' });
  p.push('more x', { s: '1' });
  p.push('more y', { s: '2' });
  t.is(p.acked(), 0);
  p.stage.flush!();
  t.deepEqual(p.out.map((e) => e.line), ['START x\nmore x', 'START y\nmore y']);
  t.is(p.acked(), 0, 'not before the blocks are acknowledged');
  p.release();
  t.is(p.acked(), 'START x\nSTART y\nmore x\nmore y\n'.length);
  p.stage.stop!();
});
