/**
 * sysexits(3) exit statuses of delivery commands, as delivery outcomes.
 *
 * DESCRIPTION
 *   A command that local(8) pipes mail into (procmail, maildrop, a list
 *   manager) reports its result in its exit status. Postfix's
 *   `global/sys_exits.c` gives each sysexits(3) code an RFC 3463 enhanced
 *   status and a text; mailsrv uses the same table so a Postfix admin sees
 *   the same outcome for the same command:
 *
 *     0                  delivered
 *     64 EX_USAGE        5.3.0  command line usage error
 *     65 EX_DATAERR      5.6.0  data format error
 *     66 EX_NOINPUT      5.3.0  cannot open input
 *     67 EX_NOUSER       5.1.1  user unknown
 *     68 EX_NOHOST       5.1.2  host name unknown
 *     69 EX_UNAVAILABLE  5.3.0  service unavailable
 *     70 EX_SOFTWARE     5.3.0  internal software error
 *     71 EX_OSERR        4.3.0  system resource problem     (temporary)
 *     72 EX_OSFILE       5.3.0  critical OS file missing
 *     73 EX_CANTCREAT    5.2.0  can't create user output file
 *     74 EX_IOERR        4.3.0  input/output error          (temporary)
 *     75 EX_TEMPFAIL     4.3.0  temporary failure           (temporary)
 *     76 EX_PROTOCOL     5.5.0  remote error in protocol
 *     77 EX_NOPERM       5.7.0  permission denied
 *     78 EX_CONFIG       5.3.5  local configuration error
 *
 *   Any other non-zero status is a permanent 5.3.0 failure; a command
 *   killed by a signal is a temporary 4.3.0 failure (it may have been the
 *   OOM killer or a shutdown, so retrying is the safe choice).
 *
 *   The `deliver-file` subcommand speaks the same language back to its
 *   parent (75 temporary, 73 permanent). This module is pure; it runs
 *   nothing.
 */

/** sysexits(3) codes mailsrv itself returns. */
export const EX = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  NOUSER: 67,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  OSERR: 71,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  NOPERM: 77,
  CONFIG: 78,
} as const;

/** What a sysexits(3) code means for a delivery. */
export interface ExitStatusMeaning {
  /** True: defer and retry; false: bounce. */
  readonly temporary: boolean;
  /** RFC 3463 enhanced status code. */
  readonly dsn: string;
  /** Postfix's short text, e.g. `user unknown`. */
  readonly text: string;
}

const TABLE: ReadonlyMap<number, ExitStatusMeaning> = new Map(
  ([
    [64, "5.3.0", "command line usage error"],
    [65, "5.6.0", "data format error"],
    [66, "5.3.0", "cannot open input"],
    [67, "5.1.1", "user unknown"],
    [68, "5.1.2", "host name unknown"],
    [69, "5.3.0", "service unavailable"],
    [70, "5.3.0", "internal software error"],
    [71, "4.3.0", "system resource problem"],
    [72, "5.3.0", "critical OS file missing"],
    [73, "5.2.0", "can't create user output file"],
    [74, "4.3.0", "input/output error"],
    [75, "4.3.0", "temporary failure"],
    [76, "5.5.0", "remote error in protocol"],
    [77, "5.7.0", "permission denied"],
    [78, "5.3.5", "local configuration error"],
  ] as const).map(([code, dsn, text]) => [
    code,
    { temporary: dsn.startsWith("4."), dsn, text },
  ]),
);

/** How a delivery child process ended. */
export type ChildEnd =
  | { readonly code: number; readonly signal?: undefined }
  | { readonly signal: string; readonly code?: undefined };

/**
 * The delivery outcome of a command's exit status or signal.
 * @returns undefined for exit status 0 (delivered)
 */
export function exitStatusResult(
  end: ChildEnd,
): ExitStatusMeaning | undefined {
  if (end.signal !== undefined) {
    return { temporary: true, dsn: "4.3.0", text: `killed by ${end.signal}` };
  }
  if (end.code === 0) return undefined;
  return TABLE.get(end.code) ??
    { temporary: false, dsn: "5.3.0", text: "unknown error" };
}

/** Whether `code` is one of the sysexits(3) codes in Postfix's table. */
export function isSysexitsCode(code: number): boolean {
  return TABLE.has(code);
}
