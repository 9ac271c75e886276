/**
 * Postfix-style maillog lines.
 *
 * DESCRIPTION
 *   Every role logs through `maillog(program)`, which yields lines like
 *
 *     Nov 25 03:54:32 mx mailsrv/smtpd[4242]: 5GxQ2a1bC: client=x[1.2.3.4]
 *
 *   so that admins' habits and tools (grep, pflogsumm) keep working; the
 *   `mailsrv` in front is syslog_name. Warnings and errors carry
 *   Postfix's `warning:` / `error:` / `fatal:` prefixes. The sinks
 *   (stderr, a log file, the syslog socket) are chosen by `setupLogging`;
 *   until then, lines go to stderr.
 *
 *   The logging library (@logtape/logtape, standing in for @std/log, which
 *   is not reachable here) is used only in this file; the log file itself
 *   is written by `log_file.ts`, syslog datagrams by `syslog_socket.ts`.
 */
import { MONTH_NAMES as MONTHS } from "../common/calendar.ts";
import {
  configure,
  getLogger,
  type LogRecord,
  reset,
  type Sink,
} from "@logtape/logtape";
import { createLineWriter, type LineWriter, openLogFile } from "./log_file.ts";
import {
  formatSyslogMessage,
  type MaillogLevel,
  type SyslogFacility,
} from "./syslog_format.ts";
import { openSyslogSocket, type SyslogSocket } from "./syslog_socket.ts";

/** A logger for one mailsrv program (smtpd, qmgr, local, cleanup, …). */
export interface Maillog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  fatal(message: string): void;
}

const PREFIX: Record<string, string> = {
  warning: "warning: ",
  error: "error: ",
  fatal: "fatal: ",
};

let hostname = "localhost";
/** syslog_name: `mailsrv` in `mailsrv/smtpd[PID]`. */
let syslogName = "mailsrv";
let configured = false;
let logFile: { close(): Promise<void> } | undefined;
let syslogSocket: SyslogSocket | undefined;
/** One writer for the process's stderr, kept across reconfigurations. */
let stderrWriter: LineWriter | undefined;

/** Formats a timestamp as syslog does: `Nov  5 03:04:05` (local time). */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${
    two(d.getHours())
  }:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `mailsrv/smtpd`: the syslog tag of a record. */
function tagOf(record: LogRecord): string {
  return `${syslogName}/${record.category.slice(1).join("/") || "master"}`;
}

/** The text of a record after `TAG[PID]: `, with its level prefix. */
function textOf(record: LogRecord): string {
  return `${PREFIX[record.level] ?? ""}${record.message.map(String).join("")}`;
}

/** Formats one log record as a maillog line (with trailing newline). */
export function formatMaillogLine(record: LogRecord): string {
  return `${syslogTime(record.timestamp)} ${hostname} ${
    tagOf(record)
  }[${Deno.pid}]: ${textOf(record)}\n`;
}

/** The level of a record as maillog has them (debug and trace as info). */
function maillogLevel(record: LogRecord): MaillogLevel {
  const level = record.level;
  return level === "warning" || level === "error" || level === "fatal"
    ? level
    : "info";
}

/** Options for `setupLogging`. */
export interface LoggingOptions {
  /** Host name shown in each line (`myhostname`). */
  readonly hostname: string;
  /** Also write to stderr (foreground runs, CLI commands). */
  readonly stderr: boolean;
  /** Log file path; empty or undefined for none. */
  readonly file?: string;
  /** The syslog socket to send to, and the facility; undefined for none. */
  readonly syslog?: {
    readonly path: string;
    readonly facility: SyslogFacility;
    /**
     * Sends each datagram instead of a socket of this thread's own (a
     * thread that may not bind one hands them to the master's,
     * `sendSyslogDatagram`).
     */
    readonly send?: (message: string) => void;
  };
  /** syslog_name, in front of each program (default `mailsrv`). */
  readonly name?: string;
  /** Extra sink (tests collect lines with it). */
  readonly sink?: (line: string) => void;
}

/** Chooses the sinks. Call again to change them (e.g. after reload). */
export async function setupLogging(options: LoggingOptions): Promise<void> {
  hostname = options.hostname;
  syslogName = options.name ?? "mailsrv";
  const sinks: Record<string, Sink> = {};
  if (options.stderr) {
    // A plain function: logtape disposes sinks that are disposable when it
    // is reconfigured, and stderr must outlive every reload.
    const writer = stderrWriter ??= createLineWriter(Deno.stderr, "stderr");
    sinks.stderr = (record) => writer.append(formatMaillogLine(record));
  }
  const previousFile = logFile;
  logFile = undefined;
  if (options.file) {
    const file = await openLogFile(options.file);
    logFile = file;
    sinks.file = (record) => file.append(formatMaillogLine(record));
  }
  const previousSyslog = syslogSocket;
  syslogSocket = undefined;
  if (options.syslog) {
    const { path, facility } = options.syslog;
    try {
      let send = options.syslog.send;
      if (send === undefined) {
        const socket = openSyslogSocket(path);
        syslogSocket = socket;
        send = (message) => socket.send(message);
      }
      const deliver = send;
      sinks.syslog = (record) =>
        deliver(formatSyslogMessage({
          facility,
          level: maillogLevel(record),
          time: syslogTime(record.timestamp),
          tag: tagOf(record),
          pid: Deno.pid,
          text: textOf(record),
        }));
    } catch (e) {
      console.error(
        `mailsrv: cannot log to syslog socket "${path}": ${
          (e as Error).message
        }`,
      );
    }
  }
  if (options.sink) {
    const collect = options.sink;
    sinks.collect = (record) => collect(formatMaillogLine(record));
  }
  await configure({
    reset: true,
    sinks,
    loggers: [
      { category: ["mailsrv"], lowestLevel: "info", sinks: Object.keys(sinks) },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  configured = true;
  await previousFile?.close();
  await previousSyslog?.close();
}

/**
 * Sends a datagram another thread formatted through this thread's syslog
 * socket; dropped when this thread logs to no syslog socket.
 */
export function sendSyslogDatagram(message: string): void {
  syslogSocket?.send(message);
}

/** Flushes and closes the sinks (at exit). */
export async function closeLogging(): Promise<void> {
  if (configured) await reset();
  stderrWriter?.flush();
  configured = false;
  await logFile?.close();
  logFile = undefined;
  await syslogSocket?.close();
  syslogSocket = undefined;
}

/** Returns the logger for `program` (e.g. `smtpd`, `qmgr`, `local`). */
export function maillog(program: string): Maillog {
  const logger = getLogger(["mailsrv", ...program.split("/")]);
  const emit = (level: "info" | "warning" | "error" | "fatal") =>
  (
    message: string,
  ) => {
    if (configured) {
      // A line without braces is taken as it is (logtape's cheapest path:
      // no template parsed, no properties copied); one with braces goes
      // through a placeholder, so its braces are not read as one.
      if (message.includes("{")) logger[level]("{text}", { text: message });
      else logger[level](message);
    } else {
      const line = formatMaillogLine({
        category: ["mailsrv", program],
        level,
        message: [message],
        rawMessage: message,
        timestamp: Date.now(),
        properties: {},
      });
      (stderrWriter ??= createLineWriter(Deno.stderr, "stderr")).append(line);
    }
  };
  return {
    info: emit("info"),
    warning: emit("warning"),
    error: emit("error"),
    fatal: emit("fatal"),
  };
}
