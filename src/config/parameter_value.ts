/**
 * Reading one parameter value as its kind and syntax.
 *
 * DESCRIPTION
 *   `readParameterValue` turns the expanded text of a parameter into the
 *   value `Config` holds: a number for integers, sizes and durations (at
 *   least the parameter's minimum), a boolean, one of an enum's values, an
 *   absolute path, a checked string, or a list whose items are checked
 *   against the parameter's syntax (domain names, lower-cased; CIDR
 *   networks, canonical; listen interfaces; `type:name` lookup tables).
 *
 *   Used by the config loader. Pure.
 *
 *   Does NOT expand `$name` references; that happens before.
 */
import type { Parameter, ParameterValue, ValueOf } from "./parameter_row.ts";
import { RECEIVE_OVERRIDE_OPTIONS } from "./parameters/content_checks.ts";
import {
  parseBoolean,
  parseDomainName,
  parseDuration,
  parseInteger,
  splitList,
  ValueError,
} from "./values.ts";
import {
  formatCidr,
  isIpAddress,
  isTableEntry,
  NetworkSyntaxError,
  parseCidr,
} from "../policy/networks.ts";

/**
 * Reads an expanded value as its parameter's kind and syntax; the value
 * has the type the row gives it in `Config` (each case of the switch below
 * returns its kind's type; an enum's text is one of its values).
 * @param resolvePath makes a relative path absolute
 * @throws ValueError saying what is wrong with the value
 */
export function readParameterValue<P extends Parameter>(
  parameter: P,
  text: string,
  resolvePath: (path: string) => string,
): ValueOf<P>;
export function readParameterValue(
  parameter: Parameter,
  text: string,
  resolvePath: (path: string) => string,
): ParameterValue {
  const minimum = parameter.minimum ?? 1;
  switch (parameter.kind) {
    case "integer":
    case "size":
      return atLeast(parseInteger(text), minimum);
    case "duration":
      return atLeast(parseDuration(text), minimum);
    case "boolean":
      return parseBoolean(text);
    case "enum":
      if (!parameter.values?.includes(text)) {
        throw new ValueError(
          `"${text}" is not one of: ${parameter.values?.join(", ")}`,
        );
      }
      return text;
    case "path":
      if (text === "" && parameter.defaultValue !== "") {
        throw new ValueError("a path is required");
      }
      return resolvePath(text);
    case "list":
      return splitList(text).map((item) =>
        listItem(parameter, item, resolvePath)
      );
    case "string":
      return stringValue(parameter, text);
  }
}

function atLeast(value: number, minimum: number): number {
  if (value < minimum) {
    throw new ValueError(`must be at least ${minimum}, not ${value}`);
  }
  return value;
}

function stringValue(parameter: Parameter, text: string): string {
  // main.cf cannot hold a line break; in TOML one would let a value such as
  // smtpd_banner inject lines into a protocol reply or a log line.
  const control = CONTROL_CHARACTER.exec(text);
  if (control) {
    throw new ValueError(
      `control character ${
        JSON.stringify(control[0])
      } is not allowed in this value`,
    );
  }
  if (parameter.syntax === "domain") return parseDomainName(text);
  if (parameter.syntax === "relative-path" && text.startsWith("/")) {
    throw new ValueError(
      `"${text}" must be relative to the user's home directory`,
    );
  }
  return text;
}

/** Any C0 control but TAB, and DEL. */
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;

const LOOKUP_TABLE = /^[A-Za-z0-9_-]+:\S+$/;

/** Table types whose name is a file (a relative one is made absolute). */
const FILE_TABLE_TYPES = new Set([
  "hash",
  "texthash",
  "btree",
  "lmdb",
  "cdb",
  "dbm",
  "regexp",
  "pcre",
  "cidr",
]);

/** `hash:aliases` → `hash:/etc/mailsrv/aliases` (relative to the base). */
function absoluteTable(
  spec: string,
  resolvePath: (path: string) => string,
): string {
  const colon = spec.indexOf(":");
  const type = spec.slice(0, colon);
  const name = spec.slice(colon + 1);
  return FILE_TABLE_TYPES.has(type) && !name.startsWith("/")
    ? `${type}:${resolvePath(name)}`
    : spec;
}

function listItem(
  parameter: Parameter,
  item: string,
  resolvePath: (path: string) => string,
): string {
  switch (parameter.syntax) {
    case "domain":
      return parseDomainName(item).toLowerCase();
    case "network":
      if (isTableEntry(item)) return absoluteTable(item, resolvePath);
      try {
        return formatCidr(parseCidr(item));
      } catch (e) {
        if (!(e instanceof NetworkSyntaxError)) throw e;
        throw new ValueError(`"${item}" is not a valid network: ${e.problem}`);
      }
    case "interface":
      if (item === "all" || item === "loopback-only" || isIpAddress(item)) {
        return item;
      }
      throw new ValueError(
        `"${item}" is not an IP address, "all" or "loopback-only"`,
      );
    case "domain-or-table":
      if (LOOKUP_TABLE.test(item)) return absoluteTable(item, resolvePath);
      return parseDomainName(item).toLowerCase();
    case "lookup-table":
      if (LOOKUP_TABLE.test(item)) return absoluteTable(item, resolvePath);
      throw new ValueError(`"${item}" is not a lookup table (type:name)`);
    case "receive-override":
      if (RECEIVE_OVERRIDE_OPTIONS.includes(item)) return item;
      throw new ValueError(
        `"${item}" is not one of: ${RECEIVE_OVERRIDE_OPTIONS.join(", ")}`,
      );
    default:
      return item;
  }
}
