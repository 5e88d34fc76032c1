// ip() line filters find addresses where Loki 2.8.11's scan finds them: a candidate starts where
// its hints fire (a digit with a dot soon after; hex digits or `::` before a colon) and runs over
// the address's characters, so a `:port` or a bracket ends it and words around do not matter.
import test from 'ava';
import { runPipeline } from './run-pipeline.ts';

function kept(pipeline: string, lines: string[]): string[] {
  return runPipeline(pipeline, lines).map((o) => o.line);
}

const cases: Array<[string, string[], string[]]> = [
  // an IPv4 candidate stops at the colon of its port
  ['|= ip("10.0.0.0/8")', ['[client 10.1.2.3:48688] AH01071', '10.1.2.3:48688', '[client 11.1.2.3:48688]'], ['[client 10.1.2.3:48688] AH01071', '10.1.2.3:48688']],
  ['!= ip("10.0.0.0/8")', ['[client 10.1.2.3:48688] AH01071', '[client 11.1.2.3:48688]'], ['[client 11.1.2.3:48688]']],
  ['|= ip("10.0.0.0/8")', ['(10.1.2.3)', '"10.1.2.3",', 'peer=10.1.2.3;', 'a,10.1.2.3|b', 'x 10.1.2.300 y'], ['(10.1.2.3)', '"10.1.2.3",', 'peer=10.1.2.3;', 'a,10.1.2.3|b']],
  // no word boundary is needed, and a dot after the address makes the candidate invalid, as in Loki
  ['|= ip("10.0.0.0/8")', ['id=abc10.1.2.3', 'at 10.1.2.3.', 'at 10.1.2.3. x'], ['id=abc10.1.2.3']],
  // IPv6 in brackets with a port
  ['|= ip("::1")', ['[::1]:8080', 'GET http://[::1]:8080/ ok', '[::2]:8080'], ['[::1]:8080', 'GET http://[::1]:8080/ ok']],
  ['|= ip("2001:db8::/32")', ['peer=[2001:db8::7]:443,', 'peer=[2001:db9::7]:443,'], ['peer=[2001:db8::7]:443,']],
  // Loki looks for an IPv6 candidate only where five bytes are left: a short address ending the line is missed
  ['|= ip("::1")', ['to ::1', 'to ::1 ok', 'to ::1é'], ['to ::1 ok', 'to ::1é']],
];

for (const [pipeline, lines, want] of cases)
  test(`${pipeline} over ${JSON.stringify(lines).slice(0, 70)}`, (t) => {
    t.deepEqual(kept(pipeline, lines), want);
  });

// Go's netip keeps families apart where node's BlockList would match across them
test('an IPv4-mapped IPv6 address is not in an IPv4 pattern, nor an IPv4 address in an IPv6 one', (t) => {
  t.deepEqual(kept('|= ip("10.0.0.0/8")', ['from ::ffff:10.1.2.3 ok', 'from 10.1.2.3 ok']), ['from 10.1.2.3 ok']);
  t.deepEqual(kept('|= ip("10.1.2.3")', ['from ::ffff:10.1.2.3 ok']), []);
  t.deepEqual(kept('|= ip("10.1.2.0-10.1.2.9")', ['from ::ffff:10.1.2.3 ok']), []);
  t.deepEqual(kept('|= ip("::ffff:0:0/96")', ['from 10.1.2.3 ok', 'from ::ffff:10.1.2.3 ok']), ['from ::ffff:10.1.2.3 ok']);
  t.deepEqual(kept('| logfmt | addr = ip("10.0.0.0/8")', ['addr=::ffff:10.1.2.3', 'addr=10.1.2.3']), ['addr=10.1.2.3']);
});

// Loki scans a label's value for addresses as it scans a line
test('an ip() label filter finds an address with a port in the label value', (t) => {
  t.deepEqual(kept('| logfmt | addr = ip("10.0.0.0/8")', ['addr=10.1.2.3:8080', 'addr=11.1.2.3:8080']), ['addr=10.1.2.3:8080']);
  t.deepEqual(kept('| logfmt | addr != ip("10.0.0.0/8")', ['addr=10.1.2.3:8080', 'addr=11.1.2.3:8080']), ['addr=11.1.2.3:8080']);
});
