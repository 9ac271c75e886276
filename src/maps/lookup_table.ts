/**
 * The lookup table interface shared by every map type.
 *
 * DESCRIPTION
 *   A lookup table answers one question: which value, if any, belongs to a
 *   key. Tables are named by `type:name` strings as in Postfix
 *   (`hash:/etc/mailsrv/access`, `static:OK`, `unix:passwd.byname`). Every
 *   role that consults tables (smtpd for access and recipient checks, the
 *   local delivery agent for users) uses this interface and nothing else.
 *
 *   A table that cannot be consulted (its file is missing or unreadable)
 *   makes `lookup` reject with `LookupTableError`: a temporary condition
 *   (Postfix's DICT_ERR_RETRY), never "not found".
 *
 *   Opening and caching tables live in `open_map.ts` and `map_cache.ts`.
 */
import type { Maillog } from "../log/maillog.ts";

/** One open lookup table. */
export interface LookupTable {
  /** The `type:name` string the table was opened with. */
  readonly spec: string;
  /**
   * Finds the value for `key` (case-insensitive unless the type says
   * otherwise).
   * @returns the value, or undefined when the key is absent
   * @throws LookupTableError when the table cannot be consulted
   */
  lookup(key: string): Promise<string | undefined>;
}

/** Options common to every table type. */
export interface MapOptions {
  /** Milliseconds since the epoch; decides when files are checked again. */
  readonly clock?: () => number;
  /** The file behind `unix:passwd.byname` (default `/etc/passwd`). */
  readonly passwdFile?: string;
  /** Where syntax warnings about table files go (default: maillog). */
  readonly log?: Pick<Maillog, "warning">;
}

/** A table could not be consulted; callers defer or reply 4xx. */
export class LookupTableError extends Error {
  /**
   * @param spec the table's `type:name`
   * @param reason what went wrong, e.g. `No such file or directory`
   */
  constructor(readonly spec: string, reason: string) {
    super(`cannot read lookup table "${spec}": ${reason}`);
    this.name = "LookupTableError";
  }
}
