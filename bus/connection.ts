// Opens the one NATS connection a process uses; it reconnects forever, as roles outlive blips.
import { Events, connect, type NatsConnection } from 'nats';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/**
 * A connection that reconnects for ever once made. With `waitForServer` it also keeps trying
 * until a first server answers (an agent started before NATS); without, that first try fails.
 */
export async function connectBus(url: string, name: string, waitForServer = false): Promise<NatsConnection> {
  return connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: waitForServer,
    // Without this every request (each JetStream append) captures two stack traces up front, only
    // to name its caller should it fail: some percent of the push path's CPU (issue 11). A failed
    // request still says what failed, and our errors wrap it as their cause.
    noAsyncTraces: true,
  });
}

/** True when a NATS server answers at url within the timeout. */
export async function natsAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const nc = await connect({ servers: url.split(','), timeout: timeoutMs, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** Logs the connection's outages and recoveries: an operator must see NATS go and come back. */
export function watchConnection(nc: NatsConnection, log: { warn(o: object, m: string): void; info(o: object, m: string): void }): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) log.warn({ server: s.data }, 'NATS connection lost; reconnecting');
      else if (s.type === Events.Reconnect) log.info({ server: s.data }, 'NATS connection restored');
    }
  })().catch(() => undefined);
}
