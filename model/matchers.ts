// Label matchers compiled once into predicates over label sets; regexes are RE2, fully anchored
// as Prometheus and Loki anchor them, and a missing label reads as the empty string.
import RE2 from 're2';
import type { Labels } from './labels.ts';

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** `name op "value"`, as in a stream selector or a label filter. */
export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

export type ValueTest = (value: string) => boolean;

export function compileMatcher(m: Matcher): ValueTest {
  switch (m.op) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~': {
      const re = new RE2(`^(?:${m.value})$`, 's');
      return (v) => re.test(v);
    }
    case '!~': {
      const re = new RE2(`^(?:${m.value})$`, 's');
      return (v) => !re.test(v);
    }
  }
}

const valueOf = (labels: Labels, name: string): string => {
  for (const [n, v] of labels) if (n === name) return v;
  return '';
};

/** True when every matcher accepts the label set. */
export function compileMatchers(ms: ReadonlyArray<Matcher>): (labels: Labels) => boolean {
  const tests = ms.map((m) => [m.name, compileMatcher(m)] as const);
  return (labels) => tests.every(([name, test]) => test(valueOf(labels, name)));
}
