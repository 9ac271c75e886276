/**
 * Reading Postfix's master.cf (master(5) syntax).
 *
 * DESCRIPTION
 *   `parseMasterCf` turns master.cf text into its services:
 *
 *     # service type private unpriv chroot wakeup maxproc command + args
 *     smtp      inet  n       -       y       -       -       smtpd
 *     submission inet n       -       y       -       -       smtpd
 *       -o smtpd_tls_security_level=encrypt
 *       -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }
 *
 *   Comment lines start with #, a line starting with a blank continues
 *   the service above. `-o name=value` (also `-o name = value` in braces,
 *   and `-o name=` for an empty value) become the service's overrides in
 *   order; every other argument is kept as written. A line with fewer
 *   than eight fields is a problem with its line number.
 *
 *   Used by `mailsrv import-postfix`. Pure.
 */
import { logicalLines } from "./main_cf.ts";

/** One service line of master.cf. */
export interface MasterCfService {
  /** `smtp`, `submission`, `127.0.0.1:10026`, `pickup`, … */
  readonly name: string;
  /** `inet`, `unix`, `unix-dgram`, `fifo`, `pass`. */
  readonly type: string;
  readonly private: string;
  readonly unprivileged: string;
  readonly chroot: string;
  readonly wakeup: string;
  readonly maxproc: string;
  /** The daemon: `smtpd`, `smtp`, `pipe`, `spawn`, … */
  readonly command: string;
  /** `-o` settings, in order. */
  readonly overrides: ReadonlyArray<readonly [string, string]>;
  /** The other arguments, as written. */
  readonly args: readonly string[];
  /** 1-based line of the service. */
  readonly line: number;
}

/** A read master.cf. */
export interface MasterCf {
  readonly services: readonly MasterCfService[];
  readonly problems: ReadonlyArray<{ line: number; message: string }>;
}

/** Splits a command line into words, keeping `{ … }` groups whole. */
function words(text: string): string[] {
  const result: string[] = [];
  const pattern = /\{[^}]*\}|\S+/g;
  for (const match of text.matchAll(pattern)) result.push(match[0]);
  return result;
}

/** `name=value` or `{ name = value }` as a pair, or undefined. */
function setting(word: string): [string, string] | undefined {
  const inner = word.startsWith("{") && word.endsWith("}")
    ? word.slice(1, -1).trim()
    : word;
  const match = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/s.exec(inner);
  return match ? [match[1], match[2].trim()] : undefined;
}

/** Parses master.cf text. */
export function parseMasterCf(text: string): MasterCf {
  const services: MasterCfService[] = [];
  const problems: Array<{ line: number; message: string }> = [];
  for (const { text: entry, line } of logicalLines(text)) {
    const fields = words(entry);
    if (fields.length < 8) {
      problems.push({
        line,
        message: `expected 8 fields or more, found ${fields.length}`,
      });
      continue;
    }
    const overrides: Array<[string, string]> = [];
    const args: string[] = [];
    const rest = fields.slice(8);
    for (let i = 0; i < rest.length; i++) {
      const pair = rest[i] === "-o" ? setting(rest[i + 1] ?? "") : undefined;
      if (pair !== undefined) {
        overrides.push(pair);
        i++;
      } else {
        args.push(rest[i]);
      }
    }
    const [name, type, priv, unpriv, chroot, wakeup, maxproc, command] = fields;
    services.push({
      name,
      type,
      private: priv,
      unprivileged: unpriv,
      chroot,
      wakeup,
      maxproc,
      command,
      overrides,
      args,
      line,
    });
  }
  return { services, problems };
}
