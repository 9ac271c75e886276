/**
 * A flush run: the messages one `mailsrv flush` (or ETRN) set going, and
 * how they came out.
 *
 * DESCRIPTION
 *   A flush asks the queue manager for a pass over incoming/ and one over
 *   deferred/ (all of it, or the messages with a pending recipient in one
 *   site). The run counts the messages those passes admit to the active
 *   set and is over when both passes have ended and every one of those
 *   messages has had its attempt. `flush --wait` reports it: a progress
 *   event per message, then the totals. A message another run or the
 *   normal queue run was already delivering is not counted.
 *
 *   Counts are recipients, as the maillog counts deliveries: a message
 *   with one recipient delivered and one deferred adds one to each.
 *
 *   Used by the queue manager (manager.ts). Pure bookkeeping: no I/O.
 */

/** What a flush asks for. */
export interface FlushRequest {
  /**
   * Only messages with a pending recipient in this domain (Postfix
   * `postqueue -s`, SMTP ETRN); absent: all queued mail.
   */
  readonly site?: string;
  /** Told of each message as its attempt ends. */
  readonly progress?: (message: FlushedMessage) => void;
}

/** How the recipients of one message came out of an attempt. */
export interface AttemptTally {
  readonly sent: number;
  readonly deferred: number;
  readonly bounced: number;
  /** Why the first recipient still deferred is deferred. */
  readonly reason?: string;
}

/** One message of a flush run, once its attempt has ended. */
export interface FlushedMessage extends AttemptTally {
  readonly id: string;
  /** The attempt failed (corrupt or unreadable file, queue update error). */
  readonly error: boolean;
}

/** The totals of a flush run. */
export interface FlushReport {
  /** Messages attempted. */
  readonly messages: number;
  /** Recipients delivered. */
  readonly sent: number;
  /** Recipients still deferred, or not attempted. */
  readonly deferred: number;
  /** Recipients returned to the sender. */
  readonly bounced: number;
  /** Messages whose attempt failed (see `FlushedMessage.error`). */
  readonly errors: number;
  /** The queue manager stopped before the run was over. */
  readonly interrupted: boolean;
}

/** A flush run as the queue manager drives it. */
export interface FlushRun {
  /** Resolves once the run is over (or interrupted). */
  readonly report: Promise<FlushReport>;
  /** One of the run's passes has listed everything. */
  passEnded(): void;
  /** A pass admitted message `id` for this run. */
  admitted(id: string): void;
  /** Message `id`'s attempt ended; undefined: it failed. */
  attempted(id: string, tally: AttemptTally | undefined): void;
  /** Message `id` was admitted but not attempted (it was gone). */
  dropped(id: string): void;
  /** The manager stops: report what there is. */
  interrupt(): void;
}

/**
 * Starts the bookkeeping of a run that waits for `passes` passes.
 */
export function createFlushRun(
  passes: number,
  progress?: (message: FlushedMessage) => void,
): FlushRun {
  let open = passes;
  const pending = new Set<string>();
  const totals = {
    messages: 0,
    sent: 0,
    deferred: 0,
    bounced: 0,
    errors: 0,
  };
  let over = false;
  let resolve!: (report: FlushReport) => void;
  const report = new Promise<FlushReport>((r) => resolve = r);

  const finish = (interrupted: boolean) => {
    if (over) return;
    over = true;
    resolve({ ...totals, interrupted });
  };
  const settle = () => {
    if (open <= 0 && pending.size === 0) finish(false);
  };

  return {
    report,
    passEnded() {
      open--;
      settle();
    },
    admitted(id) {
      if (!over) pending.add(id);
    },
    attempted(id, tally) {
      if (over || !pending.delete(id)) return;
      const message: FlushedMessage = tally
        ? { id, error: false, ...tally }
        : { id, error: true, sent: 0, deferred: 0, bounced: 0 };
      totals.messages++;
      totals.sent += message.sent;
      totals.deferred += message.deferred;
      totals.bounced += message.bounced;
      if (message.error) totals.errors++;
      try {
        progress?.(message);
      } catch {
        // A listener that went away does not stop the run.
      }
      settle();
    },
    dropped(id) {
      if (!over && pending.delete(id)) settle();
    },
    interrupt: () => finish(true),
  };
}
