// A stream actor counts a chunk durable only when the write of that very chunk ends: a write of an
// older chunk that ends late (two flush rounds wrote it) must not let the checkpoint pass a newer
// chunk still being written, or a kill before that write lands loses its lines.
import test from 'ava';
import { StreamActor } from '../../../actors/ingester/stream.ts';
import { batchOf } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';

const labels: Labels = [['job', 'x']];
const stream = () => new StreamActor('t', '0123456789abcdef', labels, '{job="x"}', 0, 0, 1024);

test('a late second report of an older chunk leaves the newer chunk unflushed and the checkpoint before it', (t) => {
  const s = stream();
  s.append(batchOf(labels, [[1n, 'first']]), 5, 0);
  const older = s.cut();
  // the first round's write of it ends
  s.flushed(older, 0);
  s.append(batchOf(labels, [[2n, 'second']]), 9, 0);
  const newer = s.cut();
  // a second round that wrote the older chunk too ends now, while the newer one is being written
  s.flushed(older, 0);
  t.is(s.flushing, newer);
  t.is(s.minUnflushedSeq(), 9, 'the checkpoint may not pass the newer chunk');
  t.is(s.flushedSeq, 5, 'a replay must not skip the newer chunk’s message');
  s.flushed(newer, 0);
  t.is(s.minUnflushedSeq(), undefined);
  t.is(s.flushedSeq, 9);
});
