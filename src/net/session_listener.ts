/**
 * A listening socket that runs one session per client and drains on stop:
 * what the smtp and pop3 listeners share.
 *
 * DESCRIPTION
 *   `listenForSessions` binds a `[[listener]]` with `Deno.listen` (measured
 *   faster and leaner than node:net here) and calls `serve` for each
 *   accepted client (Nagle off: replies go out in one write per batch).
 *   A failed accept (e.g. out of file descriptors) is logged and retried
 *   after a pause.
 *
 *   `drain(deadlineMs)` stops accepting and tells every session through
 *   its `DrainControl` (each protocol decides what an idle session says),
 *   waits up to the deadline for the sessions, then closes the rest and
 *   gives them DROP_GRACE_MS to clean up (abort a queue file, release a
 *   maildrop), so it never hangs on a stuck session.
 *
 *   Needs --allow-net for the listening address.
 */
import type { Listener } from "../config/types.ts";
import type { Maillog } from "../log/maillog.ts";

/** A listening service, as the master manages it. */
export interface Service {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: Deno.NetAddr;
  /** Sessions currently running. */
  activeSessions(): number;
  /** Closes the listening socket; running sessions go on. */
  stopAccepting(): void;
  /** Lets sessions finish until the deadline, then drops the rest. */
  drain(deadlineMs: number): Promise<void>;
}

/** How a session learns that its service is draining. */
export interface DrainControl {
  /** True once the service is draining. */
  readonly draining: () => boolean;
  /** Calls `wake` when the service starts draining; returns the unsubscriber. */
  readonly onDrain: (wake: () => void) => () => void;
}

/** Pause after a failed accept. */
const ACCEPT_RETRY_MS = 100;
/** How long drain waits for dropped sessions to clean up. */
const DROP_GRACE_MS = 1000;

/** Whether `work` settled within `ms` milliseconds. */
async function settledWithin(
  work: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function closeQuietly(closable: { close(): void }): void {
  try {
    closable.close();
  } catch {
    // Already closed.
  }
}

/**
 * Binds `listener` and runs `serve` per client.
 * @param serve runs one session; `activeSessions` counts the others
 * @throws Deno.errors.AddrInUse and the like when the address cannot be bound
 */
export function listenForSessions(
  listener: Listener,
  log: Maillog,
  serve: (
    conn: Deno.TcpConn,
    control: DrainControl,
    activeSessions: number,
  ) => Promise<void>,
): Service {
  const server = Deno.listen({
    hostname: listener.address,
    port: listener.port,
    transport: "tcp",
  });
  const where = `${listener.address}:${listener.port}`;
  const sessions = new Map<Deno.TcpConn, Promise<void>>();
  const wakers = new Set<() => void>();
  let accepting = true;
  let draining = false;
  const control: DrainControl = {
    draining: () => draining,
    onDrain: (wake) => {
      wakers.add(wake);
      return () => wakers.delete(wake);
    },
  };

  const start = (conn: Deno.TcpConn): void => {
    conn.setNoDelay(true);
    const done = serve(conn, control, sessions.size)
      .finally(() => sessions.delete(conn));
    sessions.set(conn, done);
  };

  const acceptLoop = (async () => {
    while (accepting) {
      let conn: Deno.TcpConn;
      try {
        conn = await server.accept();
      } catch (e) {
        if (!accepting || e instanceof Deno.errors.BadResource) break;
        log.warning(`accept on ${where} failed: ${(e as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      try {
        start(conn);
      } catch (e) {
        // The client left before its session began (setNoDelay on a reset socket).
        log.warning(
          `cannot serve a client on ${where}: ${(e as Error).message}`,
        );
        closeQuietly(conn);
      }
    }
  })();

  const stopAccepting = (): void => {
    if (!accepting) return;
    accepting = false;
    closeQuietly(server);
  };

  const drain = async (deadlineMs: number): Promise<void> => {
    stopAccepting();
    draining = true;
    for (const wake of wakers) wake();
    if (!(await settledWithin(Promise.all(sessions.values()), deadlineMs))) {
      for (const conn of sessions.keys()) closeQuietly(conn);
      await settledWithin(Promise.all(sessions.values()), DROP_GRACE_MS);
    }
    await acceptLoop;
  };

  return {
    address: server.addr as Deno.NetAddr,
    activeSessions: () => sessions.size,
    stopAccepting,
    drain,
  };
}
