// Writing answers the way Loki writes them: JSON for data, plain text for errors.
import type { ServerResponse } from 'node:http';
import { statusOf } from './http-error.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Any error becomes its status and its message (Loki: pkg/util/server/error.go). */
export function sendError(res: ServerResponse, err: unknown): number {
  const remote = (err as { status?: number }).status;
  const status = typeof remote === 'number' && remote >= 400 ? remote : statusOf(err);
  sendText(res, status, ((err as Error)?.message ?? String(err)) + '\n');
  return status;
}
