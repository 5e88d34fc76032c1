// Shared by the template tests: one fixed log line to render against.
import { compileTemplate } from '../../../logql/template/index.ts';

// 2023-11-14T22:13:20.123456789Z
export const TS = 1700000000123456789n;
export const LABELS: Record<string, string> = {
  app: 'foo', n: '42', f: '3.5', msg: 'Hello World', path: '/api/v1/query', err: 'ErrTimeout',
  empty: '', uni: 'héllo wörld', json: '{"a":1,"b":[1,2],"c":{"d":"x"},"n":null}', ip: '  10.0.0.1  ',
  queries: '[{"query":"up"},{"query":"rate(x[5m])"}]', dur: '1h30m', size: '1.5 MB', epoch: '1673798889',
};

export function render(src: string, labels: Record<string, string> = LABELS, line = 'the line', ts = TS): string {
  return compileTemplate(src).render({ labels, line, ts });
}

// [template, expected output]
export type Case = [string, string];
