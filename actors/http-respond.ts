// Writing answers the way Loki writes them: JSON for data, plain text for errors.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
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

// pkg/util/server/error.go: a cancelled or timed-out request gets these texts whatever the cause
const CLIENT_CANCELED = 'The request was cancelled by the client.';
const DEADLINE_EXCEEDED =
  'Request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed.';

/** Any error becomes its status and its message, as Loki's WriteError does. */
export function sendError(res: ServerResponse, err: unknown): number {
  const { status, text } = errorAnswer(err);
  sendText(res, status, text + '\n');
  return status;
}

/** sendError on a socket not yet upgraded (a WebSocket request refused): a whole HTTP answer, then the socket ends. */
export function sendSocketError(socket: Duplex, err: unknown): number {
  const { status, text } = errorAnswer(err);
  const body = text + '\n';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  return status;
}

function errorAnswer(err: unknown): { status: number; text: string } {
  const remote = (err as { status?: number }).status;
  const status = typeof remote === 'number' && remote >= 400 ? remote : statusOf(err);
  const text = status === 504 ? DEADLINE_EXCEEDED : status === 499 ? CLIENT_CANCELED : ((err as Error)?.message ?? String(err));
  return { status, text };
}
