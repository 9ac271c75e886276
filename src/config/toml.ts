/**
 * TOML reading and writing for the configuration.
 *
 * DESCRIPTION
 *   The one place that imports the TOML library (npm `smol-toml`, standing
 *   in for `@std/toml`, which is not reachable here), so that switching
 *   libraries is a one-file change. `parseToml` turns a document into plain
 *   values and reports syntax errors with their line and column;
 *   `formatTomlValue` writes one value as it would appear after `key = `.
 *
 *   Used by the config loader and by `mailsrv postconf`. No I/O.
 *
 *   Does NOT know any parameter names or keep comments and layout; see
 *   `toml_layout.ts` for positions in the source text.
 */
import { parse, stringify, TomlDate, TomlError } from "smol-toml";

/** A value read from TOML; dates are kept as their text. */
export type TomlValue =
  | string
  | number
  | boolean
  | TomlDateValue
  | TomlValue[]
  | TomlTable;

/** A table: keys to values. */
export interface TomlTable {
  [key: string]: TomlValue;
}

/** A TOML date or time, which no parameter accepts; kept for messages. */
export class TomlDateValue {
  /** The date in ISO 8601 form. */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** A TOML syntax error, with the 1-based line and column it was found at. */
export class TomlSyntaxError extends Error {
  /** 1-based line of the error. */
  readonly line: number;
  /** 1-based column of the error. */
  readonly column: number;

  constructor(reason: string, line: number, column: number) {
    super(reason);
    this.name = "TomlSyntaxError";
    this.line = line;
    this.column = column;
  }
}

/** The library's message without its "Invalid TOML document:" and excerpt. */
function reasonOf(error: TomlError): string {
  const text = error.message.replace(/^Invalid TOML document: /, "");
  const end = text.indexOf("\n");
  const reason = end === -1 ? text : text.slice(0, end);
  return reason.length === 0 ? "syntax error" : reason;
}

function plain(value: unknown): TomlValue {
  if (value instanceof TomlDate) return new TomlDateValue(value.toISOString());
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    const table: TomlTable = {};
    for (const [key, item] of Object.entries(value)) table[key] = plain(item);
    return table;
  }
  return value as string | number | boolean;
}

/**
 * Parses a TOML document.
 * @throws TomlSyntaxError on invalid TOML, with line and column
 */
export function parseToml(text: string): TomlTable {
  try {
    return plain(parse(text)) as TomlTable;
  } catch (e) {
    if (e instanceof TomlError) {
      throw new TomlSyntaxError(reasonOf(e), e.line, e.column);
    }
    throw e;
  }
}

/**
 * Writes one value in TOML syntax, as it appears after `key = `:
 * strings quoted and escaped, integers bare, arrays inline.
 */
export function formatTomlValue(
  value: string | number | boolean | readonly string[],
): string {
  const line = stringify({ v: value }).trim();
  return line.slice(line.indexOf("=") + 1).trim();
}
