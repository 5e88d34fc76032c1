// Label filters: string and regex matchers, numeric, duration and byte comparisons, and/or.
// A value that will not convert sets __error__=LabelFilterErr and keeps the entry, as Loki does.
import type { CompareOp, LabelFilter } from '../ast.ts';
import { compileMatcher } from '../matchers.ts';
import { parseBytes, parseDuration } from '../parser/units.ts';
import { compileIp } from './ip.ts';

export type LabelMap = Map<string, string>;
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
export type LabelTest = (labels: LabelMap) => boolean;

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
      return (m) => test(m.get(f.name) ?? '') === (f.op === '=');
    }
    default: {
      const convert = f.kind === 'number' ? Number : f.kind === 'duration' ? parseDuration : parseBytes;
      return (m) => {
        const raw = m.get(f.name);
        if (raw === undefined) return false;
        let v: number;
        try {
          v = convert(raw);
        } catch {
          v = NaN;
        }
        if (Number.isNaN(v) || raw.trim() === '') {
          if (!m.has(ERROR)) {
            m.set(ERROR, 'LabelFilterErr');
            m.set(ERROR_DETAILS, `cannot convert ${JSON.stringify(raw)} of label ${f.name} to a ${f.kind}`);
          }
          return true;
        }
        return compare(f.op, v, f.value);
      };
    }
  }
}
