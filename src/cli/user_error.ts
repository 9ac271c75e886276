/**
 * Which failures are the user's (or the machine's) and how to say them.
 *
 * DESCRIPTION
 *   `describeUserError` turns an error a command let escape into the one
 *   line the CLI prints after `mailsrv: fatal: `, or undefined for a bug
 *   (which keeps its stack). Mistakes a user can make and fix: a broken
 *   configuration, a daemon already running on the queue, an address that
 *   cannot be bound, a sandbox refusal, and file system errors such as a
 *   queue directory that cannot be created or a log file that cannot be
 *   opened. Deno's "Permission denied (os error 13): mkdir '/q/tmp'" is
 *   said the Postfix way: `cannot mkdir "/q/tmp": Permission denied`.
 *
 *   Used by the CLI's main loop only.
 *
 *   Does NOT print anything or decide exit codes.
 */
import { ConfigError } from "../config/config_error.ts";
import { DaemonRunningError } from "../master/control.ts";

/** Deno's error classes for OS failures a user can cause and fix. */
const OS_ERRORS = [
  Deno.errors.PermissionDenied,
  Deno.errors.NotFound,
  Deno.errors.AlreadyExists,
  Deno.errors.NotADirectory,
  Deno.errors.IsADirectory,
  Deno.errors.AddrInUse,
  Deno.errors.AddrNotAvailable,
  Deno.errors.FilesystemLoop,
];

/** Deno's operation names that are not words. */
const OPERATIONS: Readonly<Record<string, string>> = {
  readfile: "read",
  writefile: "write",
  readdir: "read directory",
  connect: "connect to",
};

/**
 * `cannot OP "PATH": REASON` from Deno's `REASON (os error N): OP 'PATH'`;
 * other texts lose only the `(os error N)`.
 */
export function describeOsError(message: string): string {
  const parts = /^(.*?) \(os error \d+\): (\w+) '(.*)'$/s.exec(message);
  if (parts === null) return message.replace(/ \(os error \d+\)/, "");
  const [, reason, operation, path] = parts;
  return `cannot ${OPERATIONS[operation] ?? operation} "${path}": ${reason}`;
}

/** The one-line description of a user's mistake, or undefined for a bug. */
export function describeUserError(error: unknown): string | undefined {
  if (
    error instanceof ConfigError || error instanceof DaemonRunningError ||
    error instanceof Deno.errors.NotCapable
  ) {
    return oneLine(error.message);
  }
  if (error instanceof Error && error.name === "ListenError") {
    return oneLine(error.message);
  }
  if (OS_ERRORS.some((kind) => error instanceof kind)) {
    return oneLine(describeOsError((error as Error).message));
  }
  return undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}
