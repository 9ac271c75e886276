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
 *   Before a session exists, the service's `SessionAdmission` sees the
 *   client's address, its running sessions and the service's: a client
 *   over a cap (the process limit, a per-client count) is sent the
 *   refusal at once and closed, so a flood costs no session, buffer or
 *   lookup per refused connection. A service with
 *   STRESS_PERCENT of its process limit in use is under stress (Postfix's
 *   `stress`): sessions see it through `DrainControl.stressed` and use
 *   their stress-adaptive limits, so idle clients are shed and new ones
 *   served. Entering stress and reaching the limit are logged as
 *   warnings, each at most once per STRESS_WARNING_INTERVAL_MS, as
 *   Postfix's master does.
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
import { isImplicitTls } from "../config/listener_kinds.ts";
import type { Maillog } from "../log/maillog.ts";
import { clientAddress } from "./client_name.ts";

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

/** A client as admission sees it, before its session. */
export interface ClientSessions {
  /** The client's IP address, as logged. */
  readonly address: string;
  /** Sessions this client has running on the service now. */
  readonly sessions: number;
  /** Sessions the service has running now. */
  readonly total: number;
}

/** Why a client is not served: sent at once, then the connection closes. */
export interface AdmissionRefusal {
  /** The reply line(s), CRLF included. */
  readonly reply: string;
  /** The warning to log. */
  readonly warning: string;
}

/** What a service admits; read per connection (a reload applies). */
export interface SessionAdmission {
  /** The service as warnings name it: `smtp`, `pop3`. */
  readonly service: string;
  /** The most sessions at once, and the parameter that says so. */
  readonly processLimit: () => {
    readonly name: string;
    readonly value: number;
  };
  /** Null to serve the client, else why not. */
  readonly refuse: (client: ClientSessions) => AdmissionRefusal | null;
}

/** How a session learns that its service is draining or under stress. */
export interface DrainControl {
  /**
   * True while the service has STRESS_PERCENT of its process limit in
   * use; absent: never (a lone session).
   */
  readonly stressed?: () => boolean;
  /** True once the service is draining. */
  readonly draining: () => boolean;
  /** Calls `wake` when the service starts draining; returns the unsubscriber. */
  readonly onDrain: (wake: () => void) => () => void;
}

/** Pause after a failed accept. */
const ACCEPT_RETRY_MS = 100;
/** How long drain waits for dropped sessions to clean up. */
const DROP_GRACE_MS = 1000;
/** The share of the process limit in use from which a service is under stress. */
export const STRESS_PERCENT = 80;
/** Postfix's master warns about a busy service at most this often. */
const STRESS_WARNING_INTERVAL_MS = 1000 * 1000;
const encoder = new TextEncoder();

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

/**
 * Sends a refused client its reply and closes the connection, without a
 * session: a reply this short fits the socket's send buffer at once. A
 * client of an implicit-TLS listener expects a handshake, to which a
 * reply in clear is garbage, and a handshake is what a flood should not
 * cost: that client is only disconnected.
 */
function refuse(
  conn: Deno.TcpConn,
  refusal: AdmissionRefusal,
  log: Maillog,
  implicitTls: boolean,
): void {
  log.warning(refusal.warning);
  if (implicitTls) return closeQuietly(conn);
  conn.write(encoder.encode(refusal.reply)).catch(() => 0).finally(() =>
    closeQuietly(conn)
  );
}

/**
 * Whether the service is under stress now; logs entering stress and
 * reaching the process limit (at most once per interval each).
 */
function stressWatch(
  admission: SessionAdmission,
  where: string,
  log: Maillog,
  running: () => number,
): () => boolean {
  let warnedStress = -Infinity;
  let warnedFull = -Infinity;
  let stressed = false;
  return () => {
    const limit = admission.processLimit();
    const n = running();
    const was = stressed;
    stressed = limit.value > 0 && n * 100 >= limit.value * STRESS_PERCENT;
    const service = `service "${admission.service}" (${where})`;
    const at = Date.now();
    if (stressed && !was && at - warnedStress >= STRESS_WARNING_INTERVAL_MS) {
      warnedStress = at;
      log.warning(
        `${service} is under stress: ${n} of ${limit.name} ${limit.value} sessions in use; stress-adaptive limits apply`,
      );
    }
    if (
      limit.value > 0 && n >= limit.value &&
      at - warnedFull >= STRESS_WARNING_INTERVAL_MS
    ) {
      warnedFull = at;
      log.warning(
        `${service} has reached its process limit "${limit.value}": new clients are refused until sessions end`,
      );
    }
    return stressed;
  };
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
 * @param admission the service's caps; absent: every client is served
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
  admission?: SessionAdmission,
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
  const perClient = new Map<string, number>();
  // Re-evaluated when a session starts or ends, the only times it changes.
  const watch = admission === undefined ? () => false : stressWatch(
    admission,
    `${listener.address}:${(server.addr as Deno.NetAddr).port}`,
    log,
    () => sessions.size,
  );
  let stressed = false;
  const stress = () => {
    stressed = watch();
  };
  const control: DrainControl = {
    stressed: () => stressed,
    draining: () => draining,
    onDrain: (wake) => {
      wakers.add(wake);
      return () => wakers.delete(wake);
    },
  };

  const start = (conn: Deno.TcpConn): void => {
    const address = clientAddress(conn.remoteAddr.hostname);
    const refusal = admission?.refuse({
      address,
      sessions: perClient.get(address) ?? 0,
      total: sessions.size,
    });
    if (refusal) {
      return refuse(conn, refusal, log, isImplicitTls(listener.kind));
    }
    conn.setNoDelay(true);
    perClient.set(address, (perClient.get(address) ?? 0) + 1);
    const done = serve(conn, control, sessions.size)
      .finally(() => {
        sessions.delete(conn);
        const left = (perClient.get(address) ?? 1) - 1;
        if (left <= 0) perClient.delete(address);
        else perClient.set(address, left);
        stress();
      });
    sessions.set(conn, done);
    stress();
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
