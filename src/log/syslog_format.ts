/**
 * The messages mailsrv sends to the local syslog socket (RFC 3164).
 *
 * DESCRIPTION
 *   Each maillog line becomes one datagram, as glibc's syslog(3) sends it
 *   for Postfix (openlog with LOG_PID):
 *
 *     <22>Nov 25 03:54:32 mailsrv/smtpd[4242]: 5GxQ2a1bC: client=…
 *
 *   The priority is facility × 8 + severity (RFC 3164 section 4.1.1);
 *   the time stamp is local time; there is no host name (syslogd adds
 *   its own) and no trailing newline. Severities are Postfix's
 *   (util/msg_syslog.c): info, warning, error, and critical for fatal.
 *
 *   Used by the syslog sink (`syslog_socket.ts`) and the parameter
 *   table (the facility names). Pure.
 *
 * STANDARDS
 *   RFC 3164 (BSD syslog protocol) section 4.1.
 */

/** syslog_facility values, with their RFC 3164 facility codes. */
const FACILITY_CODES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

/** A syslog facility name (`mail`, `daemon`, `local0`, …). */
export type SyslogFacility = keyof typeof FACILITY_CODES;

/** The facility names syslog_facility accepts. */
export const SYSLOG_FACILITY_NAMES = Object.keys(FACILITY_CODES) as [
  SyslogFacility,
  ...SyslogFacility[],
];

/** The levels maillog lines have. */
export type MaillogLevel = "info" | "warning" | "error" | "fatal";

/** RFC 3164 severities, as Postfix maps its levels onto them. */
const SEVERITY: Record<MaillogLevel, number> = {
  info: 6,
  warning: 4,
  error: 3,
  fatal: 2,
};

/** `<PRI>` for a line of `level` under `facility`. */
export function syslogPriority(
  facility: SyslogFacility,
  level: MaillogLevel,
): number {
  return FACILITY_CODES[facility] * 8 + SEVERITY[level];
}

/** What one syslog message is made of. */
export interface SyslogMessage {
  readonly facility: SyslogFacility;
  readonly level: MaillogLevel;
  /** `Nov 25 03:54:32`, local time. */
  readonly time: string;
  /** `mailsrv/smtpd`: syslog_name and the program. */
  readonly tag: string;
  readonly pid: number;
  /** The text after `TAG[PID]: `, level prefix (`warning: `) included. */
  readonly text: string;
}

/** One datagram's text: `<PRI>Mmm dd hh:mm:ss TAG[PID]: text`. */
export function formatSyslogMessage(message: SyslogMessage): string {
  return `<${
    syslogPriority(message.facility, message.level)
  }>${message.time} ${message.tag}[${message.pid}]: ${message.text}`;
}
