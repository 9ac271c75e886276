/**
 * Time limits on a connection's reads and writes, without a timer each.
 *
 * DESCRIPTION
 *   smtpd_timeout and pop3_timeout bound every wait for the client. A
 *   timer started and cleared around each read and write cost about 30%
 *   of the SMTP thread's CPU under load (measured); instead each
 *   connection holds one `IoDeadline`, a wait records when it is due, and
 *   one shared clock per thread, ticking while any connection is open,
 *   expires the waits that are overdue. A wait may end up to one tick
 *   late: a tenth of the timeout, at most TICK_MAX_MS.
 *
 *   The timeout bounds a whole request, not each read: between
 *   `startRequest` and `endRequest` (a command line, a reply, a line of
 *   message content) every wait ends when the request's time is up, so a
 *   client sending a byte a second cannot stretch it (Postfix's
 *   smtpd_per_request_deadline). Outside a request each wait is timed
 *   afresh. The timeout is read when a wait is checked, so a shorter
 *   timeout under stress also ends waits already under way.
 */

/** The longest pause between checks. */
export const TICK_MAX_MS = 1000;
/** The shortest pause between checks (tests use timeouts of milliseconds). */
const TICK_MIN_MS = 5;

/** A connection's limit on each of its waits. */
export interface IoDeadline {
  /**
   * `work`'s value, or `expired` once the timeout has passed, or the value
   * given to `interrupt` while this wait is interruptible, whichever
   * comes first. One wait at a time.
   */
  wait<T>(work: Promise<T>, expired: T, interruptible?: boolean): Promise<T>;
  /**
   * Starts a request: from now until `endRequest` (or the next
   * `startRequest`), waits end when one timeout has passed since now.
   */
  startRequest(): void;
  /** Ends the request: each later wait is timed afresh. */
  endRequest(): void;
  /** Ends the current interruptible wait, if any, with `value`. */
  interrupt(value: unknown): void;
  /** The connection is done: it no longer keeps the clock ticking. */
  close(): void;
}

interface Pending {
  /** When the wait (or the request it is part of) began. */
  readonly since: number;
  readonly expired: unknown;
  readonly interruptible: boolean;
  readonly settle: (value: unknown) => void;
}

interface Entry {
  readonly tickMs: number;
  readonly timeoutMs: () => number;
  pending: Pending | null;
}

const open = new Set<Entry>();
let ticker: ReturnType<typeof setInterval> | undefined;
let tickerMs = Infinity;

function tick(): void {
  const now = Date.now();
  for (const entry of open) {
    const pending = entry.pending;
    if (pending && pending.since + entry.timeoutMs() <= now) {
      entry.pending = null;
      pending.settle(pending.expired);
    }
  }
}

/** (Re)starts the shared clock at the finest tick any open entry needs. */
function retune(): void {
  let finest = Infinity;
  for (const entry of open) finest = Math.min(finest, entry.tickMs);
  if (finest === tickerMs) return;
  clearInterval(ticker);
  ticker = undefined;
  tickerMs = finest;
  if (finest !== Infinity) ticker = setInterval(tick, finest);
}

/** Whether another open entry still needs the current tick. */
function tickStillNeeded(): boolean {
  for (const entry of open) if (entry.tickMs === tickerMs) return true;
  return false;
}

/**
 * Opens a deadline for one connection whose waits (or requests) last
 * `timeoutMs`.
 * @param timeoutMs the timeout, or a function giving the one in force
 *   (read at every check)
 * @param shortestMs the shortest timeout the function can give (sets how
 *   often waits are checked); default: its value now
 */
export function openIoDeadline(
  timeoutMs: number | (() => number),
  shortestMs?: number,
): IoDeadline {
  const limit = typeof timeoutMs === "number" ? () => timeoutMs : timeoutMs;
  const finest = Math.min(shortestMs ?? Infinity, limit());
  const entry: Entry = {
    tickMs: Math.min(TICK_MAX_MS, Math.max(TICK_MIN_MS, finest / 10)),
    timeoutMs: limit,
    pending: null,
  };
  let requestSince: number | null = null;
  open.add(entry);
  if (entry.tickMs < tickerMs) retune();
  let closed = false;
  return {
    wait<T>(work: Promise<T>, expired: T, interruptible = false): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const pending: Pending = {
          since: requestSince ?? Date.now(),
          expired,
          interruptible,
          settle: resolve as (value: unknown) => void,
        };
        entry.pending = pending;
        work.then(
          (value) => {
            if (entry.pending === pending) entry.pending = null;
            resolve(value);
          },
          (error) => {
            if (entry.pending === pending) entry.pending = null;
            reject(error);
          },
        );
      });
    },
    startRequest() {
      requestSince = Date.now();
    },
    endRequest() {
      requestSince = null;
    },
    interrupt(value) {
      const pending = entry.pending;
      if (pending?.interruptible) {
        entry.pending = null;
        pending.settle(value);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      entry.pending = null;
      open.delete(entry);
      // Connections of one service share a tick: usually found at once.
      if (entry.tickMs === tickerMs && !tickStillNeeded()) retune();
    },
  };
}

/** Where a connection's replies go (a socket or a TLS stream). */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/**
 * Writes all of `bytes` to `sink`, looping over short writes, within the
 * connection's timeout.
 * @returns true once written; false when the client is gone or too slow
 */
export function writeAllWithin(
  deadline: IoDeadline,
  sink: ByteSink,
  bytes: Uint8Array,
): Promise<boolean> {
  const written = (async () => {
    for (let at = 0; at < bytes.length;) {
      at += await sink.write(bytes.subarray(at));
    }
    return true;
  })().catch(() => false);
  return deadline.wait(written, false);
}
