// The one failure class for templates: parse errors at compile time, execution errors at render time.
export class TemplateError extends Error {
  name = 'TemplateError';
}

// A parse error before it knows the template's name, which compileTemplate puts in: "template: NAME:LINE: msg".
export class ParseError extends TemplateError {
  constructor(readonly line: number, readonly detail: string) {
    super(`template: line:${line}: ${detail}`);
  }
}
