// Label filters: string and regex matchers, numeric, duration and byte comparisons, and/or.
// A value that will not convert sets __error__=LabelFilterErr, with Go's error text in
// __error_details__, and keeps the entry, as Loki does.
import type { CompareOp, LabelFilter } from '../ast.ts';
import { compileMatcher } from '../../model/matchers.ts';
import { ConversionError, parseGoDuration, parseGoFloat, parseHumanBytes } from '../go-convert.ts';
import { compileIp } from '../ip-pattern.ts';
import { lineHasIp } from './ip.ts';
import type { LabelSet } from './label-set.ts';

export const ERROR = '__error__';
export const ERROR_DETAILS = '__error_details__';

const compare = (op: CompareOp, a: number, b: number): boolean => {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
  }
};

/** True to keep the entry; may set __error__ on the labels. */
export type LabelTest = (labels: LabelSet) => boolean;

export function compileLabelTest(f: LabelFilter): LabelTest {
  switch (f.kind) {
    case 'and': {
      const l = compileLabelTest(f.left);
      const r = compileLabelTest(f.right);
      return (m) => l(m) && r(m);
    }
    case 'or': {
      const l = compileLabelTest(f.left);
      const r = compileLabelTest(f.right);
      return (m) => l(m) || r(m);
    }
    case 'string': {
      const test = compileMatcher(f.matcher);
      return (m) => test(m.get(f.matcher.name) ?? '');
    }
    case 'ip': {
      const test = compileIp(f.value);
      // as in Loki, an entry already in error passes, one without the label does not, and the
      // value is scanned for addresses as a line is (so `10.1.2.3:8080` holds one)
      return (m) => {
        if (m.has(ERROR)) return true;
        const v = m.get(f.name);
        return v !== undefined && lineHasIp(test, Buffer.from(v, 'utf8')) === (f.op === '=');
      };
    }
    default: {
      const convert = f.kind === 'number' ? parseGoFloat : f.kind === 'duration' ? parseGoDuration : parseHumanBytes;
      return (m) => {
        // only string matchers filter out an entry already in error (Loki's rule)
        if (m.has(ERROR)) return true;
        const raw = m.get(f.name);
        if (raw === undefined) return false;
        let v: number;
        try {
          v = convert(raw);
        } catch (err) {
          if (!(err instanceof ConversionError)) throw err;
          m.set(ERROR, 'LabelFilterErr');
          m.set(ERROR_DETAILS, err.message);
          return true;
        }
        return compare(f.op, v, f.value);
      };
    }
  }
}
