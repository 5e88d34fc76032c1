// The function map line_format and label_format see: text/template's builtins, Loki's own and its sprig subset.
import { builtins } from './builtins.ts';
import { dateFuncs } from './dates.ts';
import { encodingFuncs } from './encoding.ts';
import { mathFuncs } from './math.ts';
import { regexFuncs } from './regex.ts';
import { stringFuncs } from './strings.ts';
import type { FuncMap } from './types.ts';

export const functions: FuncMap = Object.assign(Object.create(null) as FuncMap, builtins, stringFuncs, mathFuncs, dateFuncs, regexFuncs, encodingFuncs);
