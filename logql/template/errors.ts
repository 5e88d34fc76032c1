// The one failure class for templates: parse errors at compile time, execution errors at render time.
export class TemplateError extends Error {
  name = 'TemplateError';
}
