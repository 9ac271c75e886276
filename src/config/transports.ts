/**
 * `[[transport]]` tables: named delivery services, Postfix's master.cf
 * rows of type `unix` that content filter and pipe recipes add.
 *
 * DESCRIPTION
 *   A Postfix recipe says `content_filter = scan:[127.0.0.1]:10025` and
 *   adds a master.cf service `scan unix - - n - 16 smtp -o …`, or a
 *   `spamfilter unix - n n - - pipe flags=Rq user=filter argv=…`. In
 *   mailsrv each such service is a table:
 *
 *     [[transport]]
 *     name = "scan"                 # the master.cf service name
 *     kind = "smtp"                 # smtp | lmtp | pipe (the command)
 *     maxproc = 16                  # deliveries at once (master.cf maxproc)
 *     options = { smtp_send_xforward_command = true, disable_dns_lookups = true }
 *
 *     [[transport]]
 *     name = "spamfilter"
 *     kind = "pipe"
 *     flags = "Rq"
 *     user = "filter"
 *     argv = "/usr/local/bin/filter -f ${sender} -- ${recipient}"
 *     size = 10240000               # pipe(8) size=
 *     time_limit = "1000s"          # Postfix's spamfilter_time_limit
 *
 *   `options` are SMTP client parameters for that transport only (as
 *   master.cf `-o`); an `lmtp` transport also takes them spelt `lmtp_…`
 *   (`lmtp_data_done_timeout` is `smtp_data_done_timeout`). `argv` is a
 *   string split on white space, as master.cf writes it, or an array;
 *   its program must be an absolute path. A name may not be one of the
 *   built-in transports.
 *
 *   Used by the config loader; the router dispatches a named transport to
 *   its kind. Pure.
 *
 *   Does NOT run anything (`src/delivery/pipe/`), and does NOT support
 *   pipe(8)'s `chroot=` or `user=name:group`.
 */
import type { TomlTable, TomlValue } from "./toml.ts";
import type { KeyPlace } from "./toml_layout.ts";
import { didYouMean } from "./suggest.ts";
import type { ParameterValues } from "./parameter_row.ts";
import { SMTP_CLIENT_PARAMETERS } from "./parameters/smtp_client.ts";
import { TRANSPORT_OPTION_PARAMETERS } from "./parameters/content_filter.ts";
import { parseDuration, parseInteger, ValueError } from "./values.ts";

/** What a named transport runs. */
export type TransportKind = "smtp" | "lmtp" | "pipe";

/** The kinds, in the order the error message lists them. */
export const TRANSPORT_KINDS: readonly TransportKind[] = Object.freeze([
  "smtp",
  "lmtp",
  "pipe",
]);

/** The transports mailsrv has without a table. */
export const BUILT_IN_TRANSPORTS: readonly string[] = Object.freeze([
  "local",
  "virtual",
  "smtp",
  "relay",
  "error",
  "discard",
  "retry",
]);

/** The pipe(8) argv macros mailsrv fills in (`delivery/pipe/pipe_macros.ts`). */
export const PIPE_MACRO_NAMES: readonly string[] = Object.freeze([
  "sender",
  "recipient",
  "original_recipient",
  "user",
  "extension",
  "mailbox",
  "domain",
  "nexthop",
  "size",
  "queue_id",
  "client_address",
  "client_hostname",
  "client_helo",
  "client_protocol",
]);

/** The pipe(8) flags mailsrv implements. */
export const PIPE_FLAGS = "BDFORXhqu.>";

const TRANSPORT_OPTIONS = [
  ...SMTP_CLIENT_PARAMETERS,
  ...TRANSPORT_OPTION_PARAMETERS,
] as const;

/** A transport's SMTP client overrides, typed by their rows. */
export type TransportOverrides = Partial<
  ParameterValues<typeof TRANSPORT_OPTIONS>
>;

const OPTION_NAMES: readonly string[] = TRANSPORT_OPTIONS.map((r) => r.name);

/** pipe(8) attributes. */
export interface PipeSettings {
  /** The program (absolute path) and its arguments, `${name}` unexpanded. */
  readonly argv: readonly string[];
  /** pipe(8) flags, e.g. `Rq` (letters of `PIPE_FLAGS`). */
  readonly flags: string;
  /** The user to run as (required when mailsrv runs as root). */
  readonly user?: string;
  /** size=: the largest message accepted, in bytes; 0: no limit. */
  readonly size: number;
  /** Seconds the command may run; absent: command_time_limit. */
  readonly timeLimit?: number;
  /** null_sender=: what ${sender} is for the null sender. */
  readonly nullSender: string;
  /** eol=: the line end written to the command (`\n` or `\r\n`). */
  readonly eol: string;
  /** directory=: the working directory; absent: "/". */
  readonly directory?: string;
}

/** One `[[transport]]` table. */
export interface TransportService {
  readonly name: string;
  readonly kind: TransportKind;
  /** Deliveries at once through this transport; absent: no own limit. */
  readonly maxproc?: number;
  /** SMTP/LMTP client parameters for this transport (master.cf `-o`). */
  readonly options?: TransportOverrides;
  /** For kind `pipe`. */
  readonly pipe?: PipeSettings;
}

/** Reports a problem at a key and does not return. */
export type TransportFailure = (reason: string, place: KeyPlace) => never;

/** Reads one option as its parameter row reads it; fails at `place`. */
export type TransportOptionReader = (
  name: string,
  value: TomlValue,
  place: KeyPlace,
) => unknown;

const COMMON_KEYS = ["name", "kind", "maxproc", "options"];
const PIPE_KEYS = [
  "flags",
  "user",
  "argv",
  "size",
  "time_limit",
  "null_sender",
  "eol",
  "directory",
];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null &&
    !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** The parameter an option name stands for (`lmtp_x` is `smtp_x`). */
export function optionParameter(name: string, kind: TransportKind): string {
  return kind === "lmtp" && name.startsWith("lmtp_")
    ? `smtp_${name.slice(5)}`
    : name;
}

/** `argv` as master.cf writes it (a string) or as an array. */
function readArgv(
  value: TomlValue | undefined,
  place: KeyPlace,
  fail: TransportFailure,
): string[] {
  if (value === undefined) return fail("a pipe transport needs argv", place);
  const argv = typeof value === "string"
    ? value.trim().split(/\s+/).filter((word) => word !== "")
    : Array.isArray(value) && value.every((v) => typeof v === "string")
    ? [...value as string[]]
    : fail("expected a string or an array of strings", place);
  if (argv.length === 0) return fail("argv is empty", place);
  if (!argv[0].startsWith("/")) {
    return fail(`"${argv[0]}" is not an absolute path`, place);
  }
  for (const word of argv) {
    for (const [, name] of word.matchAll(/\$\{([^}]*)\}/g)) {
      if (!PIPE_MACRO_NAMES.includes(name)) {
        fail(
          `unknown macro "\${${name}}"${didYouMean(name, PIPE_MACRO_NAMES)}`,
          place,
        );
      }
    }
  }
  return argv;
}

function readString(
  table: TomlTable,
  key: string,
  at: (key: string) => KeyPlace,
  fail: TransportFailure,
): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") return fail("expected a string", at(key));
  return value;
}

function readPipe(
  table: TomlTable,
  at: (key: string) => KeyPlace,
  fail: TransportFailure,
): PipeSettings {
  const flags = readString(table, "flags", at, fail) ?? "";
  for (const flag of flags) {
    if (!PIPE_FLAGS.includes(flag)) {
      fail(`unknown pipe flag "${flag}" (known: ${PIPE_FLAGS})`, at("flags"));
    }
  }
  const user = readString(table, "user", at, fail);
  if (user !== undefined && (user === "" || user.includes(":"))) {
    fail(
      `"${user}" is not a user name (user:group is not supported)`,
      at("user"),
    );
  }
  if (user === "root") fail("a pipe transport may not run as root", at("user"));
  const number = (key: string, read: (text: string) => number) => {
    const value = table[key];
    if (value === undefined) return undefined;
    try {
      if (typeof value === "number" && Number.isInteger(value)) return value;
      if (typeof value === "string") return read(value);
      return fail("expected an integer or a string", at(key));
    } catch (e) {
      if (e instanceof ValueError) return fail(e.message, at(key));
      throw e;
    }
  };
  const eol = readString(table, "eol", at, fail) ?? "\\n";
  if (eol !== "\\n" && eol !== "\\r\\n") {
    fail(`expected "\\n" or "\\r\\n", not "${eol}"`, at("eol"));
  }
  const directory = readString(table, "directory", at, fail);
  if (directory !== undefined && !directory.startsWith("/")) {
    fail(`"${directory}" is not an absolute path`, at("directory"));
  }
  const timeLimit = number("time_limit", parseDuration);
  return Object.freeze({
    argv: Object.freeze(readArgv(table.argv, at("argv"), fail)),
    flags,
    ...(user === undefined ? {} : { user }),
    size: number("size", parseInteger) ?? 0,
    ...(timeLimit === undefined ? {} : { timeLimit }),
    nullSender: readString(table, "null_sender", at, fail) ?? "MAILER-DAEMON",
    eol: eol === "\\n" ? "\n" : "\r\n",
    ...(directory === undefined ? {} : { directory }),
  });
}

function readOptions(
  value: TomlValue | undefined,
  kind: TransportKind,
  place: KeyPlace,
  fail: TransportFailure,
  readOption: TransportOptionReader,
): TransportOverrides | undefined {
  if (value === undefined) return undefined;
  if (kind === "pipe") {
    fail("a pipe transport has no options (use its own keys)", place);
  }
  if (!isTable(value)) {
    return fail("expected an inline table of SMTP client parameters", place);
  }
  const options: Record<string, unknown> = {};
  for (const [written, item] of Object.entries(value)) {
    const name = optionParameter(written, kind);
    if (!OPTION_NAMES.includes(name)) {
      fail(
        `${written}: not an SMTP client parameter a transport may set${
          didYouMean(name, OPTION_NAMES)
        }`,
        place,
      );
    }
    options[name] = readOption(name, item, place);
  }
  // Each value was read by its own row, so it has that row's type.
  return Object.freeze(options) as TransportOverrides;
}

function readTransport(
  table: TomlTable,
  index: number,
  fail: TransportFailure,
  readOption: TransportOptionReader,
): TransportService {
  const at = (key: string): KeyPlace => ({
    key,
    table: { name: "transport", index },
  });
  const { name, kind } = table;
  if (typeof name !== "string" || !NAME.test(name)) {
    fail(
      name === undefined
        ? "missing transport name"
        : `expected a service name (letters, digits, "-", "_", ".")`,
      at("name"),
    );
  }
  if (BUILT_IN_TRANSPORTS.includes(name)) {
    fail(`"${name}" is a built-in transport`, at("name"));
  }
  if (!TRANSPORT_KINDS.includes(kind as TransportKind)) {
    fail(
      `${
        typeof kind === "string" ? `"${kind}"` : "missing kind:"
      } not a transport kind (allowed: ${TRANSPORT_KINDS.join(", ")})`,
      at("kind"),
    );
  }
  const transportKind = kind as TransportKind;
  const allowed = transportKind === "pipe"
    ? [...COMMON_KEYS, ...PIPE_KEYS]
    : COMMON_KEYS;
  for (const key of Object.keys(table)) {
    if (!allowed.includes(key)) {
      fail(
        `unknown ${transportKind} transport setting${didYouMean(key, allowed)}`,
        at(key),
      );
    }
  }
  const maxproc = table.maxproc;
  if (
    maxproc !== undefined &&
    (typeof maxproc !== "number" || !Number.isInteger(maxproc) ||
      maxproc < 1)
  ) {
    fail("expected a positive integer", at("maxproc"));
  }
  const options = readOptions(
    table.options,
    transportKind,
    at("options"),
    fail,
    readOption,
  );
  return Object.freeze({
    name,
    kind: transportKind,
    ...(maxproc === undefined ? {} : { maxproc }),
    ...(options === undefined ? {} : { options }),
    ...(transportKind === "pipe" ? { pipe: readPipe(table, at, fail) } : {}),
  });
}

/**
 * Reads the value of the `transport` key: an array of tables.
 * @param fail called with the reason and place of the first problem
 * @param readOption reads one option as its parameter row does
 */
export function readTransports(
  value: TomlValue,
  fail: TransportFailure,
  readOption: TransportOptionReader,
): TransportService[] {
  if (!Array.isArray(value) || !value.every(isTable)) {
    fail("expected [[transport]] tables", { key: "transport" });
  }
  const transports: TransportService[] = [];
  value.forEach((table, index) => {
    const transport = readTransport(
      table as TomlTable,
      index,
      fail,
      readOption,
    );
    if (transports.some((t) => t.name === transport.name)) {
      fail(`duplicate transport "${transport.name}"`, {
        key: "name",
        table: { name: "transport", index },
      });
    }
    transports.push(transport);
  });
  return transports;
}

/** The transport called `name` in `transports`, if any. */
export function namedTransport(
  transports: readonly TransportService[] | undefined,
  name: string,
): TransportService | undefined {
  return transports?.find((t) => t.name === name);
}

/**
 * The configuration a delivery through `transport` runs with: its
 * options laid over `config` (as listeners' overrides are).
 */
export function transportConfig<C extends object>(
  config: C,
  transport: TransportService | undefined,
): C {
  if (transport?.options === undefined) return config;
  return Object.freeze({ ...config, ...transport.options });
}
