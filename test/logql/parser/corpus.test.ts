import test from 'ava';
import { parseExpr, ParseError } from '../../../logql/parser/index.ts';
import { printExpr } from '../../../logql/printer.ts';
import { invalid, valid } from './corpus.ts';

test('every valid query of the corpus parses and survives a trip through the printer', (t) => {
  for (const q of valid) {
    let tree;
    try {
      tree = parseExpr(q);
    } catch (err) {
      t.fail(`${q}: ${(err as Error).message}`);
      continue;
    }
    const printed = printExpr(tree);
    let again;
    try {
      again = parseExpr(printed);
    } catch (err) {
      t.fail(`${q} printed as ${printed}: ${(err as Error).message}`);
      continue;
    }
    t.deepEqual(again, tree, `${q} printed as ${printed}`);
    t.is(printExpr(again), printed, 'printing is stable');
  }
});

for (const [q, message] of invalid)
  test(`${JSON.stringify(q)} is refused`, (t) => {
    const err = t.throws(() => parseExpr(q));
    t.true(err instanceof ParseError, String(err));
    t.is((err as ParseError).status, 400);
    t.is(err!.message, message);
  });

test('the corpus has the size the issue asks for', (t) => {
  t.log(`${valid.length} valid, ${invalid.length} invalid`);
  t.true(valid.length >= 250);
  t.true(invalid.length >= 60);
});
