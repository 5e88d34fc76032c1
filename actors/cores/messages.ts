// What the processes of one node say to each other over their IPC channel when `muninn start`
// runs one process per core: each worker tells the primary whether it is ready, asks it for the
// node's /ready and /metrics as a whole, and is told to stop.

/** A worker's readiness: undefined when ready, else why not (its /ready text). */
export interface StateMessage {
  t: 'muninn:state';
  notReady: string | null;
}

export interface AskMessage {
  t: 'muninn:ask';
  id: number;
  what: 'ready' | 'metrics';
}

export interface AnswerMessage {
  t: 'muninn:answer';
  id: number;
  /** ready: the reason the node is not ready (null when it is); metrics: Prometheus text. */
  text: string | null;
}

export interface StopMessage {
  t: 'muninn:stop';
}

export type CoreMessage = StateMessage | AskMessage | AnswerMessage | StopMessage;

export const isCoreMessage = (m: unknown): m is CoreMessage => typeof (m as CoreMessage)?.t === 'string' && (m as CoreMessage).t.startsWith('muninn:');
