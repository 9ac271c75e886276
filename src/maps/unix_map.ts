/**
 * `unix:passwd.byname`: the system password file as a table.
 *
 * DESCRIPTION
 *   Looks a user name up in `/etc/passwd` (or `MapOptions.passwdFile`) and
 *   returns the whole passwd line, as Postfix's `unix:passwd.byname` does.
 *   Its main use is `local_recipient_maps = unix:passwd.byname`: "the
 *   local recipients are the system's users".
 *
 *   The query is folded to lower case, as Postfix folds it, so user names
 *   with capitals cannot receive mail through this table. The file is
 *   re-read when it changes (`watched_file.ts`).
 *
 *   Only `passwd.byname` exists; Postfix's `unix:group.byname` is not
 *   supported. NSS sources other than the file are not consulted.
 */
import type { LookupTable, MapOptions } from "./lookup_table.ts";
import { parsePasswdFile } from "./passwd_file.ts";
import { openWatchedTable } from "./watched_file.ts";

/** The password file read when `MapOptions.passwdFile` is not given. */
export const SYSTEM_PASSWD_FILE = "/etc/passwd";

/**
 * Opens a `unix:` table.
 * @param spec the full `unix:name`, for messages
 * @param name the table name after `unix:`; only `passwd.byname` exists
 * @throws Error naming the spec when `name` is not `passwd.byname`
 */
export function openUnixMap(
  spec: string,
  name: string,
  options: MapOptions = {},
): LookupTable {
  if (name !== "passwd.byname") {
    throw new Error(
      `unsupported unix table "${spec}": only "unix:passwd.byname" exists`,
    );
  }
  const path = options.passwdFile ?? SYSTEM_PASSWD_FILE;
  return openWatchedTable(spec, path, parsePasswdFile, options);
}
