/**
 * The listeners as Postfix master.cf lines, for `mailsrv postconf -M`.
 *
 * DESCRIPTION
 *   Each `[[listener]]` becomes one service line laid out as Postfix's
 *   `postconf -M` prints it:
 *
 *     smtp       inet  n       -       n       -       -       smtpd
 *     127.0.0.1:10026 inet n   -       n       -       -       smtpd -o smtpd_client_restrictions=
 *
 *   The service name is the port's service name (`smtp`, `submission`,
 *   `smtps`, `pop3`, `pop3s`) when the listener binds every address
 *   (`0.0.0.0`, `::`), else `address:port` (`[::1]:25` for IPv6), as
 *   master.cf writes it. The type is always `inet`, private `n`, chroot
 *   `n` (mailsrv never chroots: its sandbox is Deno's permissions), the
 *   command `smtpd` or `pop3d` (mailsrv's POP3 server; Postfix has none).
 *   The listener's own smtpd parameters follow as `-o name=value`; a
 *   value with white space is written `-o {name=value}` as Postfix
 *   3.0 and later print it. An smtps listener shows the
 *   `-o smtpd_tls_wrappermode=yes` its kind implies.
 *
 *   Used by `mailsrv postconf -M`. Pure.
 *
 *   Does NOT parse master.cf; `src/postfix_import/` does.
 */
import type { Listener } from "./types.ts";

/** Well-known ports by service name, as /etc/services names them. */
const SERVICE_NAMES: Readonly<Record<number, string>> = {
  25: "smtp",
  110: "pop3",
  465: "smtps",
  587: "submission",
  995: "pop3s",
};

const WILDCARD_ADDRESSES = new Set(["0.0.0.0", "::"]);

/** The master.cf service name of a listener. */
export function serviceName(listener: Listener): string {
  const name = SERVICE_NAMES[listener.port] ?? String(listener.port);
  if (WILDCARD_ADDRESSES.has(listener.address)) return name;
  const host = listener.address.includes(":")
    ? `[${listener.address}]`
    : listener.address;
  return `${host}:${listener.port}`;
}

/**
 * A parameter value as written after `-o`: yes/no, lists joined with
 * commas (no blanks, as master.cf examples write them), numbers in the
 * unit the parameter reads them (seconds, bytes).
 */
export function postfixValueText(value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(postfixValueText).join(",");
  return String(value);
}

/** One `-o` option: `name=value`, braced when the value has white space. */
function overrideOption(name: string, value: unknown): string {
  const text = postfixValueText(value);
  return /\s/.test(text) ? `-o {${name}=${text}}` : `-o ${name}=${text}`;
}

/** The command column and its `-o` options. */
function commandText(listener: Listener): string {
  const pop3 = listener.kind === "pop3" || listener.kind === "pop3s";
  const words = [pop3 ? "pop3d" : "smtpd"];
  const overrides: Record<string, unknown> = { ...listener.smtpd };
  if (listener.kind === "smtps") overrides.smtpd_tls_wrappermode = true;
  for (const [name, value] of Object.entries(overrides)) {
    words.push(overrideOption(name, value));
  }
  return words.join(" ");
}

/** Where postconf -M starts each column (a long field pushes the next). */
const COLUMNS = [0, 11, 17, 25, 33, 41, 49, 57];

/** Fields at their columns, each at least one blank after the previous. */
function columns(fields: readonly string[]): string {
  let line = "";
  fields.forEach((field, index) => {
    const at = index === 0 ? 0 : Math.max(COLUMNS[index], line.length + 1);
    line = line.padEnd(at) + field;
  });
  return line;
}

/**
 * One master.cf line per listener, in Postfix's `postconf -M` layout
 * (name, type, private, unpriv, chroot, wakeup, maxproc, command).
 */
export function masterCfLines(listeners: readonly Listener[]): string[] {
  return listeners.map((listener) =>
    columns([
      serviceName(listener),
      "inet",
      "n",
      "-",
      "n",
      "-",
      "-",
      commandText(listener),
    ])
  );
}
