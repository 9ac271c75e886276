/**
 * The error every configuration problem is reported with.
 *
 * DESCRIPTION
 *   A `ConfigError` names where the problem is and what is wrong, in the
 *   form compilers and Postfix use, so an editor can jump to it:
 *
 *     /etc/mailsrv/mailsrv.toml:7: message_size_limt: unknown parameter
 *
 *   The file, line and key are kept as fields for callers that want them.
 *   Parts that are unknown are left out of the message.
 *
 *   Used by the config loader and `mailsrv postconf`; the CLI prints the
 *   message after `mailsrv: fatal: `.
 */

/** Where a configuration problem was found. */
export interface ConfigErrorLocation {
  /** The configuration file, or null/undefined for the embedded default. */
  readonly file?: string | null;
  /** 1-based line in `file`. */
  readonly line?: number;
  /** The parameter (or `listener.<key>`) concerned. */
  readonly key?: string;
}

/** A configuration file or value that mailsrv cannot use. */
export class ConfigError extends Error {
  /** The configuration file, or null for the embedded default. */
  readonly file: string | null;
  /** 1-based line in `file`, when known. */
  readonly line: number | undefined;
  /** The parameter concerned, when there is one. */
  readonly key: string | undefined;
  /** What is wrong, without the location. */
  readonly reason: string;

  constructor(reason: string, location: ConfigErrorLocation = {}) {
    super(formatConfigError(reason, location));
    this.name = "ConfigError";
    this.file = location.file ?? null;
    this.line = location.line;
    this.key = location.key;
    this.reason = reason;
  }
}

/** `<file>:<line>: <key>: <reason>`, leaving out the parts not known. */
export function formatConfigError(
  reason: string,
  location: ConfigErrorLocation,
): string {
  let where = "";
  if (location.file) {
    where = location.line === undefined
      ? `${location.file}: `
      : `${location.file}:${location.line}: `;
  }
  const key = location.key === undefined ? "" : `${location.key}: `;
  return `${where}${key}${oneLine(reason)}`;
}

/**
 * The reason with control characters written as `\n`, `\x00`, …: a
 * value quoted from a multi-line TOML string keeps the error on one line.
 */
function oneLine(reason: string): string {
  return reason.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f]/g,
    (c) =>
      c === "\n"
        ? "\\n"
        : c === "\t"
        ? "\\t"
        : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
