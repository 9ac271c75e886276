/**
 * Parameter value syntax: lists, durations, sizes, integers, booleans and
 * domain names, read the way Postfix reads them.
 *
 * DESCRIPTION
 *   Each reader takes the expanded text of a value and returns the typed
 *   value, or throws `ValueError` whose message says what is wrong with
 *   the value (the loader adds file, line and parameter name).
 *
 *   - Lists are split on commas and white space (Postfix `main.cf`).
 *   - Durations are seconds, or a number with a unit: s, m, h, d, w
 *     (Postfix `time_unit`).
 *   - Sizes and integers are decimal digits.
 *   - Booleans are yes/no (also true/false).
 *   - Domain names are labels of letters, digits and hyphens (RFC 1035
 *     section 2.3.1, RFC 1123 section 2.1), at most 253 characters.
 *
 *   Used by the config loader. Pure.
 */

/** A value that does not have the syntax its parameter needs. */
export class ValueError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ValueError";
  }
}

/** Splits a Postfix list value on commas and white space. */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter((item) => item !== "");
}

const DURATION = /^([0-9]+)([smhdw]?)$/;
const UNIT_SECONDS: Record<string, number> = {
  "": 1,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

/** Reads a duration (`300`, `300s`, `5m`, `2h`, `1d`, `1w`) in seconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new ValueError(
      `"${text}" is not a duration (use seconds or a number with s, m, h, d or w)`,
    );
  }
  return checkedInteger(Number(match[1]) * UNIT_SECONDS[match[2]], text);
}

/** Reads a non-negative decimal integer. */
export function parseInteger(text: string): number {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed)) {
    throw new ValueError(`"${text}" is not a whole number`);
  }
  return checkedInteger(Number(trimmed), text);
}

function checkedInteger(value: number, text: string): number {
  if (!Number.isSafeInteger(value)) {
    throw new ValueError(`"${text}" is too large`);
  }
  return value;
}

/** Reads a yes/no value. */
export function parseBoolean(text: string): boolean {
  const lower = text.trim().toLowerCase();
  if (lower === "yes" || lower === "true") return true;
  if (lower === "no" || lower === "false") return false;
  throw new ValueError(`"${text}" is not "yes" or "no"`);
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Whether `text` is a host or domain name (letters, digits, hyphens, dots). */
export function isDomainName(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  return text.split(".").every((label) => LABEL.test(label));
}

/** Reads a domain name; a trailing dot is dropped, case is kept. */
export function parseDomainName(text: string): string {
  const name = text.endsWith(".") ? text.slice(0, -1) : text;
  if (!isDomainName(name)) {
    throw new ValueError(
      `"${text}" is not a valid domain name (letters, digits, hyphens and dots)`,
    );
  }
  return name;
}
