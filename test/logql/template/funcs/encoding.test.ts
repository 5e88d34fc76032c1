import test from 'ava';
import { render, type Case } from '../render.ts';

const rows: Case[] = [
  ['{{ b64enc "hello" }}', 'aGVsbG8='],
  ['{{ b64enc "héllo" }}', 'aMOpbGxv'],
  ['{{ b64dec "aGVsbG8=" }}', 'hello'],
  // sprig's plain Go decoding in Loki 2.8: padding is required, newlines are skipped.
  ['{{ b64dec "aGVsbG8" }}', 'illegal base64 data at input byte 4'],
  ['{{ b64dec "aGk" }}', 'illegal base64 data at input byte 0'],
  ['{{ b64dec "aG\\nk=" }}', 'hi'],
  ['{{ b64dec "aGk=x" }}', 'illegal base64 data at input byte 4'],
  ['{{ b64dec "aA=" }}', 'illegal base64 data at input byte 3'],
  ['{{ b64dec "/w==" }}', '\ufffd'],
  ['{{ b64dec "a*b=" }}', 'illegal base64 data at input byte 1'],
  ['{{ urlencode "a b&c=d/é" }}', 'a+b%26c%3Dd%2F%C3%A9'],
  ['{{ urldecode "a+b%26c%3Dd%2F%C3%A9" }}', 'a b&c=d/é'],
  ['{{ bytes "1.5 MB" }}', '1.5e+06'],
  ['{{ bytes "2KiB" }}', '2048'],
  ['{{ bytes "42" }}', '42'],
  ['{{ .size | bytes }}', '1.5e+06'],
  ['{{ duration "1h30m" }}', '5400'],
  ['{{ .dur | duration_seconds }}', '5400'],
  ['{{ duration "300ms" }}', '0.3'],
  ['{{ duration "-1.5h" }}', '-5400'],
  ['{{ fromJson "{\\"foo\\": 55}" }}', 'map[foo:55]'],
  ['{{ (fromJson "{\\"foo\\": 55}").foo }}', '55'],
  ['{{ fromJson "[1, \\"a\\", true, 1e6]" }}', '[1 a true 1e+06]'],
  ['{{ fromJson "not json" }}', '<no value>'],
];

test('encoding functions convert as Loki does', (t) => {
  for (const [src, want] of rows) t.is(render(src), want, src);
});

test('invalid input to urldecode, bytes and duration is an execution error', (t) => {
  t.throws(() => render('{{ urldecode "%zz" }}'), { message: /invalid URL escape "%zz"/ });
  t.throws(() => render('{{ bytes "12 parsecs" }}'), { message: /unhandled size name: parsecs/ });
  t.throws(() => render('{{ duration "soon" }}'), { message: /time: invalid duration "soon"/ });
  t.throws(() => render('{{ duration "10" }}'), { message: /missing unit/ });
});
