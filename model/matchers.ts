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

/** Each matcher's label name and compiled test. */
export type NamedTest = readonly [name: string, test: ValueTest];

export const compileEach = (ms: ReadonlyArray<Matcher>): NamedTest[] => ms.map((m) => [m.name, compileMatcher(m)] as const);

/** True when every test accepts the label set. */
export const matchesAll =
  (tests: ReadonlyArray<NamedTest>) =>
  (labels: Labels): boolean =>
    tests.every(([name, test]) => test(valueOf(labels, name)));

/** True when every matcher accepts the label set. */
export const compileMatchers = (ms: ReadonlyArray<Matcher>): ((labels: Labels) => boolean) => matchesAll(compileEach(ms));
