/**
 * Logging as the daemon sets it up, in every thread that logs.
 *
 * DESCRIPTION
 *   Where lines go, as Postfix decides it: to maillog_file when it is
 *   set, else to syslog (syslog_socket, /dev/log) when that socket
 *   exists; and to stderr as well in the foreground. A daemon with
 *   neither logs nowhere, which `logDestinations` makes visible to its
 *   caller.
 *
 *   The log file's directory is created when missing; each thread opens its
 *   own handle in append mode (or its own syslog socket), and every write
 *   is whole lines, so lines from the SMTP side and the queue manager's
 *   thread never interleave.
 */
import { dirname } from "node:path";
import type { Config } from "../config/types.ts";
import { type LoggingOptions, setupLogging } from "../log/maillog.ts";

/** The parameters that decide where lines go. */
export type LoggingConfig = Pick<
  Config,
  | "myhostname"
  | "maillog_file"
  | "syslog_name"
  | "syslog_facility"
  | "syslog_socket"
>;

/**
 * The sinks for `config`: the log file if set, else syslog if its socket
 * exists; stderr in the foreground.
 * @param socketExists whether syslog_socket names a socket (tests fix it)
 */
export function logDestinations(
  config: LoggingConfig,
  foreground: boolean,
  socketExists: (path: string) => boolean = isSocket,
): LoggingOptions {
  const file = config.maillog_file || undefined;
  const syslog = !file && config.syslog_socket &&
      socketExists(config.syslog_socket)
    ? {
      path: config.syslog_socket,
      facility: config.syslog_facility,
    }
    : undefined;
  return {
    hostname: config.myhostname,
    name: config.syslog_name,
    stderr: foreground,
    file,
    syslog,
  };
}

/** Whether `path` is a Unix socket (false when it cannot be seen). */
function isSocket(path: string): boolean {
  try {
    return Deno.statSync(path).isSocket === true;
  } catch {
    return false;
  }
}

function isMissing(path: string): boolean {
  try {
    Deno.statSync(path);
    return false;
  } catch (error) {
    return error instanceof Deno.errors.NotFound;
  }
}

/**
 * Points this thread's maillog at `config`'s log file or syslog (and
 * stderr in the foreground).
 * @param syslogSend hands syslog datagrams to another thread's socket
 *   (a thread whose net grant is a host list cannot bind one)
 * @throws when the log file cannot be opened
 */
export async function configureLogging(
  config: LoggingConfig,
  foreground: boolean,
  syslogSend?: (message: string) => void,
): Promise<void> {
  if (config.maillog_file && isMissing(dirname(config.maillog_file))) {
    // Only when missing: a sandboxed thread may not look at or write the
    // directory (the master made it at start).
    await Deno.mkdir(dirname(config.maillog_file), { recursive: true });
  }
  const destinations = logDestinations(config, foreground);
  const syslog = destinations.syslog && syslogSend
    ? { ...destinations.syslog, send: syslogSend }
    : destinations.syslog;
  await setupLogging({ ...destinations, syslog });
}
