/**
 * `[[listener]]` tables: where mailsrv's services accept connections.
 *
 * DESCRIPTION
 *   Each `[[listener]]` table names an `address` (an IP address), a `port`
 *   (1 to 65535) and a `kind` (the service: `smtp`, the default,
 *   `submission`, `smtps`, `pop3` or `pop3s`). They stand in for the
 *   service rows of Postfix's `master.cf`; an smtpd listener may also set
 *   smtpd parameters for its own sessions in `options = { … }`, as
 *   `master.cf -o` does (`listener_parameters.ts`).
 *
 *   With a configuration file but no listener table, the SMTP service
 *   listens on port 25 of each `inet_interfaces` address, as Postfix's
 *   default `smtp inet` service does, in the families inet_protocols
 *   allows: `all` is 0.0.0.0 for ipv4 and `::` for ipv6; `loopback-only`
 *   is 127.0.0.1 and ::1. With `inet_protocols = all`, `all` is the one
 *   socket `::`, which Linux shares with IPv4 clients (Deno cannot set
 *   IPV6_V6ONLY, so 0.0.0.0 and :: cannot both be bound on one port);
 *   on a machine without IPv6 addresses it is 0.0.0.0, and loopback-only
 *   is 127.0.0.1 alone. The embedded default listens on 127.0.0.1:2525 so
 *   that it runs without privileges.
 *
 *   Used by the config loader. Pure.
 *
 *   Does NOT bind sockets or check that an address belongs to this host.
 */
import type { Listener } from "./types.ts";
import { isListenerKind, LISTENER_KINDS } from "./listener_kinds.ts";
import type { TomlTable, TomlValue } from "./toml.ts";
import type { KeyPlace } from "./toml_layout.ts";
import { didYouMean } from "./suggest.ts";
import { isIpAddress } from "../policy/networks.ts";
import type { InetProtocols } from "./inet_protocols.ts";
import {
  isListenerParameter,
  isSmtpdKind,
  LISTENER_PARAMETER_NAMES,
  type SmtpdOverrides,
} from "./listener_parameters.ts";

export { LISTENER_KINDS };

/** The keys a `[[listener]]` table may hold: the fields of `Listener`. */
export const LISTENER_KEYS: readonly string[] = Object.freeze(
  [
    "address",
    "port",
    "kind",
  ] satisfies (keyof Listener)[],
);

/** The keys a `[[listener]]` table may hold in the file. */
const TABLE_KEYS: readonly string[] = Object.freeze([
  ...LISTENER_KEYS,
  "options",
]);

/** The well-known SMTP port, used by the default listeners. */
export const SMTP_PORT = 25;

/** The embedded default's listener: unprivileged, loopback only. */
export const EMBEDDED_LISTENERS: readonly Listener[] = Object.freeze([
  Object.freeze({ address: "127.0.0.1", port: 2525, kind: "smtp" as const }),
]);

/** Reports a problem at a key and does not return. */
export type ListenerFailure = (reason: string, place: KeyPlace) => never;

/**
 * Reads a parameter set in a listener table as the parameter's row reads
 * it (the config loader's reader); fails at `place` when it is wrong.
 */
export type OverrideReader = (
  name: string,
  value: TomlValue,
  place: KeyPlace,
) => unknown;

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === "object" && value !== null &&
    !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Describes a TOML value's type for messages. */
export function tomlTypeName(value: TomlValue): string {
  if (Array.isArray(value)) return "an array";
  if (isTable(value)) return "a table";
  if (typeof value === "object") return "a date";
  if (typeof value === "number") {
    return Number.isInteger(value) ? "an integer" : "a float";
  }
  return `a ${typeof value}`;
}

function readListener(
  table: TomlTable,
  index: number,
  fail: ListenerFailure,
  readOverride: OverrideReader,
): Listener {
  const at = (key: string): KeyPlace => ({
    key,
    table: { name: "listener", index },
  });
  const { address, port, kind = "smtp" } = table;
  for (const key of Object.keys(table)) {
    if (!TABLE_KEYS.includes(key)) {
      fail(
        `unknown listener setting${didYouMean(key, TABLE_KEYS)}`,
        at(key),
      );
    }
  }
  if (address === undefined) fail("missing listener address", at("address"));
  if (typeof address !== "string") {
    fail(`expected a string, not ${tomlTypeName(address)}`, at("address"));
  }
  if (!isIpAddress(address)) {
    fail(`"${address}" is not an IP address`, at("address"));
  }
  if (port === undefined) fail("missing listener port", at("port"));
  if (
    typeof port !== "number" || !Number.isInteger(port) || port < 1 ||
    port > 65535
  ) {
    fail(
      `expected a port number from 1 to 65535, not ${
        typeof port === "number" ? port : tomlTypeName(port)
      }`,
      at("port"),
    );
  }
  if (!isListenerKind(kind)) {
    const shown = typeof kind === "string" ? `"${kind}"` : tomlTypeName(kind);
    fail(
      `${shown} is not a listener kind (allowed: ${LISTENER_KINDS.join(", ")})`,
      at("kind"),
    );
  }
  const overrides = readOptions(
    table.options,
    kind,
    at("options"),
    fail,
    readOverride,
  );
  if (overrides === undefined) return Object.freeze({ address, port, kind });
  return Object.freeze({ address, port, kind, smtpd: overrides });
}

/**
 * Reads `options = { name = value, … }`: smtpd parameters for this
 * listener's sessions. An inline table, closed on its own line, so that a
 * parameter appended below a listener table is still reported as
 * misplaced rather than taken for a listener option.
 */
function readOptions(
  value: TomlValue | undefined,
  kind: TomlValue,
  place: KeyPlace,
  fail: ListenerFailure,
  readOverride: OverrideReader,
): SmtpdOverrides | undefined {
  if (value === undefined) return undefined;
  if (!isListenerKind(kind) || !isSmtpdKind(kind)) {
    fail("only smtp, submission and smtps listeners have options", place);
  }
  if (!isTable(value)) {
    fail(
      `expected an inline table of smtpd parameters, not ${
        tomlTypeName(value)
      }`,
      place,
    );
  }
  const overrides: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    if (!isListenerParameter(name)) {
      fail(
        `${name}: not an smtpd parameter a listener may set${
          didYouMean(name, LISTENER_PARAMETER_NAMES)
        }`,
        place,
      );
    }
    overrides[name] = readOverride(name, item, place);
  }
  // Each value was read by its own row, so it has that row's type.
  return Object.freeze(overrides) as SmtpdOverrides;
}

/**
 * Reads the value of the `listener` key: an array of tables.
 * @param fail called with the reason and place of the first problem
 * @param readOverride reads an smtpd parameter set in a table; absent:
 *   none may be set
 */
export function readListeners(
  value: TomlValue,
  fail: ListenerFailure,
  readOverride: OverrideReader = (name, _value, place) =>
    fail(`"${name}" cannot be set here`, place),
): Listener[] {
  if (!Array.isArray(value) || !value.every(isTable)) {
    fail("expected [[listener]] tables", { key: "listener" });
  }
  const listeners: Listener[] = [];
  const bound = new Set<string>();
  value.forEach((table, index) => {
    const listener = readListener(
      table as TomlTable,
      index,
      fail,
      readOverride,
    );
    const endpoint = `${listener.address}:${listener.port}`;
    if (bound.has(endpoint)) {
      fail(`duplicate listener on ${endpoint}`, {
        key: "port",
        table: { name: "listener", index },
      });
    }
    bound.add(endpoint);
    listeners.push(listener);
  });
  return listeners;
}

/** The addresses to bind for an inet_interfaces entry. */
function interfaceAddresses(
  entry: string,
  protocols: InetProtocols,
  systemHasIpv6: boolean,
): string[] {
  const ipv4 = protocols !== "ipv6";
  const ipv6 = protocols === "ipv6" || (protocols === "all" && systemHasIpv6);
  if (entry === "all") return [ipv6 ? "::" : "0.0.0.0"];
  if (entry === "loopback-only") {
    return [...(ipv4 ? ["127.0.0.1"] : []), ...(ipv6 ? ["::1"] : [])];
  }
  return [entry];
}

/**
 * One SMTP listener on port 25 per `inet_interfaces` address.
 * @param protocols inet_protocols
 * @param systemHasIpv6 whether this machine has an IPv6 address
 */
export function defaultListeners(
  interfaces: readonly string[],
  protocols: InetProtocols = "all",
  systemHasIpv6 = false,
): Listener[] {
  const addresses = new Set(
    interfaces.flatMap((entry) =>
      interfaceAddresses(entry, protocols, systemHasIpv6)
    ),
  );
  return [...addresses].map((address) =>
    Object.freeze({ address, port: SMTP_PORT, kind: "smtp" as const })
  );
}
