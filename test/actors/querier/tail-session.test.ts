// A tail's buffer on its holder: delay_for by timestamps, time order, history first, duplicates once,
// frames of at most 100 entries, and drops named in the next frame, as Loki's tailer does.
import test from 'ava';
import type { TailFrame, TailSink } from '../../../bus/index.ts';
import { MAX_PENDING_ENTRIES, TailSession } from '../../../actors/querier/tail-session.ts';

const S = 1_000_000_000n;
const NOW_MS = 1_700_000_000_000;
const nowNs = BigInt(NOW_MS) * 1_000_000n;
const A = '{"app":"a"}';
const B = '{"app":"b"}';

/** A sink that keeps what it is sent; `refuse` makes it refuse frames, as NATS refuses one over max_payload. */
function sink() {
  const frames: TailFrame[] = [];
  const s = { frames, refuse: false, ended: undefined as string | undefined };
  const out: TailSink & typeof s = Object.assign(s, {
    send: (f: TailFrame) => {
      if (s.refuse) return false;
      frames.push(f);
      return true;
    },
    end: (reason: string) => void (s.ended = reason),
  });
  return out;
}

const linesOf = (frames: TailFrame[]) => frames.flatMap((f) => (f.streams ?? []).flatMap(([, , lines]) => lines));

test('entries wait until they are delay_for old, then leave in time order, whatever order they came in', (t) => {
  const out = sink();
  const s = new TailSession(2n * S, out);
  s.history([]);
  s.offer({ ts: nowNs, labels: A, line: 'newest' });
  s.offer({ ts: nowNs - 3n * S, labels: B, line: 'oldest' });
  s.offer({ ts: nowNs - 1n * S, labels: A, line: 'middle' });
  s.release(NOW_MS);
  t.deepEqual(linesOf(out.frames), ['oldest'], 'only what is 2 s old');
  s.release(NOW_MS + 1000);
  t.deepEqual(linesOf(out.frames), ['oldest', 'middle']);
  s.release(NOW_MS + 1999);
  t.deepEqual(linesOf(out.frames), ['oldest', 'middle']);
  s.release(NOW_MS + 2000);
  t.deepEqual(linesOf(out.frames), ['oldest', 'middle', 'newest']);
});

test('nothing leaves before the history, which goes first; a live copy of a history entry and an exact duplicate go once', (t) => {
  const out = sink();
  const s = new TailSession(0n, out);
  s.offer({ ts: nowNs - 5n * S, labels: A, line: 'live, read by the history too' });
  s.offer({ ts: nowNs - 4n * S, labels: A, line: 'live' });
  s.offer({ ts: nowNs - 4n * S, labels: A, line: 'live' });
  s.offer({ ts: nowNs - 4n * S, labels: B, line: 'live' });
  s.release(NOW_MS);
  t.is(out.frames.length, 0, 'the history has not come');
  s.history(
    [
      { ts: nowNs - 6n * S, labels: A, line: 'history' },
      { ts: nowNs - 5n * S, labels: A, line: 'live, read by the history too' },
    ],
    NOW_MS,
  );
  s.offer({ ts: nowNs - 5n * S, labels: A, line: 'live, read by the history too' });
  s.release(NOW_MS);
  t.deepEqual(out.frames, [
    {
      streams: [
        [A, [String(nowNs - 6n * S), String(nowNs - 5n * S), String(nowNs - 4n * S)], ['history', 'live, read by the history too', 'live']],
        [B, [String(nowNs - 4n * S)], ['live']],
      ],
    },
  ]);
});

test('frames hold at most 100 entries, in runs of one stream', (t) => {
  const out = sink();
  const s = new TailSession(0n, out);
  s.history([]);
  for (let i = 0; i < 250; i++) s.offer({ ts: nowNs - 1000n + BigInt(i), labels: i % 2 ? A : B, line: `l${i}` });
  s.release(NOW_MS);
  t.deepEqual(
    out.frames.map((f) => f.streams!.reduce((n, [, ts]) => n + ts.length, 0)),
    [100, 100, 50],
  );
  t.deepEqual(linesOf(out.frames), Array.from({ length: 250 }, (_, i) => `l${i}`));
  t.is(out.frames[0].streams!.length, 100, 'alternating streams: one run per entry, in time order');
});

test('past its bound the newest entries are dropped and named in the next frame, at most 1000', (t) => {
  const out = sink();
  const s = new TailSession(5n * S, out);
  s.history([]);
  const over = MAX_PENDING_ENTRIES + 1500;
  for (let i = 0; i < over; i++) s.offer({ ts: nowNs + BigInt(i), labels: A, line: `l${i}` });
  t.true(s.full);
  s.release(NOW_MS + 6000);
  t.is(linesOf(out.frames).length, MAX_PENDING_ENTRIES);
  t.is(out.frames[0].dropped?.length, 1000);
  t.deepEqual(out.frames[0].dropped?.[0], [A, String(nowNs + BigInt(MAX_PENDING_ENTRIES))]);
  t.true(out.frames.slice(1).every((f) => f.dropped === undefined), 'drops are named once');
});

test('a frame the bus refuses is named as dropped with the next one', (t) => {
  const out = sink();
  const s = new TailSession(0n, out);
  s.history([]);
  s.offer({ ts: nowNs - 2n * S, labels: B, line: 'too large' });
  out.refuse = true;
  s.release(NOW_MS);
  out.refuse = false;
  s.offer({ ts: nowNs - 1n * S, labels: A, line: 'next' });
  s.release(NOW_MS);
  t.deepEqual(out.frames, [{ streams: [[A, [String(nowNs - 1n * S)], ['next']]], dropped: [[B, String(nowNs - 2n * S)]] }]);
});
