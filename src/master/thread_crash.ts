/**
 * A role thread that dies of an error: one line in the maillog, no stack
 * on stderr.
 *
 * DESCRIPTION
 *   Deno prints an uncaught error of a Worker ("Uncaught (in worker …)"
 *   and its stack) to the process's stderr from the Worker itself, even
 *   when the parent handles the Worker's `error` event. So the two sides
 *   agree instead:
 *
 *     reportCrashes   in the Worker: an uncaught error or unhandled
 *                     rejection is stopped there (nothing printed),
 *                     posted to the parent as `crashed` with its name
 *                     and message on one line, and the thread closes,
 *                     as the error would have closed it;
 *     watchCrashes    in the parent, right after `new Worker`: a
 *                     `crashed` message becomes the Worker's `error`
 *                     event, so the parent's existing handler (log the
 *                     failure, restart after a backoff) runs as before,
 *                     and the message is not seen by `onmessage`.
 *
 *   Used by every role thread (listener_role.ts for smtpd and pop3d, the
 *   queue manager's, the SMTP client's, the auth thread, the one-shot run)
 *   and by the master's handles on them.
 *
 *   Does NOT log or restart: the parent does, as for any thread error.
 */

/** What a thread posts when it dies of an error. */
export interface ThreadCrash {
  readonly kind: "crashed";
  /** The error's name and message, on one line. */
  readonly error: string;
}

/** The worker global, as far as crash reports use it. */
interface WorkerScope {
  postMessage(message: ThreadCrash): void;
  close(): void;
  addEventListener(
    type: "error" | "unhandledrejection",
    listener: (event: Event) => void,
  ): void;
}

/** `error` as one line: `Name: message`. */
export function crashLine(error: unknown): string {
  const text = error instanceof Error
    ? `${error.name}: ${error.message}`
    : `Uncaught ${String(error)}`;
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

/**
 * In a Worker: reports an uncaught error or rejection to the parent as
 * `crashed` and closes the thread, with nothing printed.
 */
export function reportCrashes(
  scope: WorkerScope = self as unknown as WorkerScope,
): void {
  let reported = false;
  const crash = (event: Event, error: unknown) => {
    event.preventDefault();
    if (reported) return;
    reported = true;
    scope.postMessage({ kind: "crashed", error: crashLine(error) });
    scope.close();
  };
  scope.addEventListener("error", (event) => {
    const e = event as ErrorEvent;
    crash(e, e.error ?? e.message);
  });
  scope.addEventListener(
    "unhandledrejection",
    (event) => crash(event, (event as PromiseRejectionEvent).reason),
  );
}

/** Whether `message` is a thread's crash report. */
export function isThreadCrash(message: unknown): message is ThreadCrash {
  return typeof message === "object" && message !== null &&
    (message as { kind?: unknown }).kind === "crashed" &&
    typeof (message as { error?: unknown }).error === "string";
}

/**
 * In the parent, before `onmessage` is set: turns the Worker's `crashed`
 * report into its `error` event (message: the report's line).
 * @returns `worker`
 */
export function watchCrashes(worker: Worker): Worker {
  worker.addEventListener("message", (event) => {
    const data = (event as MessageEvent).data;
    if (!isThreadCrash(data)) return;
    event.stopImmediatePropagation();
    worker.dispatchEvent(
      new ErrorEvent("error", { message: data.error, cancelable: true }),
    );
  });
  return worker;
}
