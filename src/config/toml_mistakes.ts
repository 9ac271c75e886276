/**
 * The TOML mistakes a Postfix administrator makes, explained.
 *
 * DESCRIPTION
 *   main.cf habits break TOML in two ways, and the parser's own words
 *   ("invalid value", "unknown listener setting") do not say why.
 *   `explainTomlMistake` looks at a configuration error and the text it
 *   came from and, when it recognises one of them, returns an error that
 *   says what to change, at the same file and line:
 *
 *   - an unquoted value, `myhostname = mail.home.example`: TOML needs
 *     text in quotes, so the message shows the line with them;
 *   - a parameter written after a `[[listener]]` or `[[transport]]` table (appending a line
 *     at the end of the file): TOML puts every key after a table header
 *     into that table, so the message says to move it above the first
 *     `[[listener]]` line.
 *
 *   Used by the config loader and `mailsrv postconf -e`, only once reading
 *   has failed. Pure.
 *
 *   Does NOT correct the file or guess at other mistakes: anything else is
 *   returned unchanged.
 */
import { ConfigError } from "./config_error.ts";
import { parameterNamed } from "./parameters.ts";
import { formatTomlValue } from "./toml.ts";
import { scanTomlLayout } from "./toml_layout.ts";

/** Characters a TOML value that is not a bare number, boolean or date starts with. */
const VALUE_OPENERS = new Set(['"', "'", "[", "{"]);

/** `key = value` on one line, value up to a ` #` comment. */
const ASSIGNMENT = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*(?:\s#.*)?$/;

/**
 * The error with a Postfix administrator's explanation, or `error`
 * itself when it is not one of the mistakes above.
 * @param text the configuration text that failed to read
 */
export function explainTomlMistake(error: unknown, text: string): unknown {
  if (!(error instanceof ConfigError) || error.line === undefined) {
    return error;
  }
  return unquotedValue(error, text) ?? parameterInListener(error, text) ??
    error;
}

/** A syntax error on `key = bare words`. */
function unquotedValue(error: ConfigError, text: string): ConfigError | null {
  if (error.key !== undefined) return null;
  const line = text.split("\n")[error.line! - 1] ?? "";
  const assignment = ASSIGNMENT.exec(line);
  if (assignment === null) return null;
  const [, key, value] = assignment;
  if (value === "" || VALUE_OPENERS.has(value[0])) return null;
  return new ConfigError(
    `the value must be quoted: ${key} = ${quoted(value)} ` +
      "(TOML, unlike main.cf, needs quotes around text)",
    { file: error.file, line: error.line, key },
  );
}

/** `value` as a TOML string, in single quotes when it holds `"`. */
function quoted(value: string): string {
  return value.includes('"') && !value.includes("'")
    ? `'${value}'`
    : formatTomlValue(value);
}

/**
 * A parameter name where a `[[listener]]` or `[[transport]]` table
 * expected its own keys.
 */
function parameterInListener(
  error: ConfigError,
  text: string,
): ConfigError | null {
  const match = /^(listener|transport)\.(.+)$/.exec(error.key ?? "");
  if (match === null) return null;
  const [, table, name] = match;
  if (parameterNamed(name) === undefined) return null;
  if (!/^unknown (listener|\w+ transport) setting/.test(error.reason)) {
    return null;
  }
  const first = scanTomlLayout(text).tables.find((t) => t.name === table);
  const where = first === undefined ? "" : ` (line ${first.line})`;
  return new ConfigError(
    `this parameter is inside a [[${table}]] table: in TOML every line ` +
      "after a table header belongs to that table; move it above the " +
      `first [[${table}]] line${where}`,
    { file: error.file, line: error.line, key: name },
  );
}
