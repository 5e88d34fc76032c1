// Parse errors in Loki's form: `parse error at line L, col C: <message>`, HTTP 400.

export class ParseError extends Error {
  override name = 'ParseError';
  readonly status = 400;
  constructor(
    readonly detail: string,
    readonly line = 0,
    readonly col = 0,
  ) {
    super(line === 0 && col === 0 ? `parse error : ${detail}` : `parse error at line ${line}, col ${col}: ${detail}`);
  }
}
