/**
 * Parser for the passwd(5) file.
 *
 * DESCRIPTION
 *   Reads the seven colon-separated fields of `/etc/passwd` lines
 *   (`name:password:uid:gid:gecos:home:shell`). The `unix:passwd.byname`
 *   table indexes the file by user name with it, and the local delivery
 *   agent turns a looked-up line into a user with it.
 *
 *   As getpwnam(3) does, the first line for a name wins. Blank lines,
 *   comments and NIS compatibility lines (`+…`, `-…`) are skipped silently;
 *   other malformed lines are skipped with a warning naming file and line.
 *
 *   Lines are read as every passwd-style file is (`passwd_lines.ts`).
 *
 *   This module is pure: it sees text, not files. It does not consult NSS
 *   (LDAP, systemd-userdb); only the file.
 */

import { entryLines } from "./passwd_lines.ts";

/** One passwd(5) entry. */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly gecos: string;
  readonly home: string;
  readonly shell: string;
}

/** The lines of a passwd file by user name, and the skipped-line warnings. */
export interface ParsedPasswd {
  /** User name → the whole passwd line. */
  readonly entries: Map<string, string>;
  readonly warnings: string[];
}

const ID = /^\d{1,10}$/;

/**
 * Parses one passwd line.
 * @returns the entry, or undefined when the line is not a valid entry
 */
export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const fields = line.replace(/\r$/, "").split(":");
  if (fields.length !== 7) return undefined;
  const [name, , uid, gid, gecos, home, shell] = fields;
  if (name === "" || !ID.test(uid) || !ID.test(gid) || home === "") {
    return undefined;
  }
  return { name, uid: Number(uid), gid: Number(gid), gecos, home, shell };
}

/**
 * Indexes a passwd file by user name.
 * @param text the whole file
 * @param file its path, for warnings
 */
export function parsePasswdFile(text: string, file: string): ParsedPasswd {
  const entries = new Map<string, string>();
  const warnings: string[] = [];
  for (const { number, text: line, fields } of entryLines(text)) {
    if (/^[+-]/.test(line)) continue;
    const entry = parsePasswdLine(line);
    if (!entry) {
      warnings.push(
        `"${file}", line ${number}: malformed passwd entry "${
          fields[0]
        }" ignored`,
      );
    } else if (!entries.has(entry.name)) {
      entries.set(entry.name, line);
    }
  }
  return { entries, warnings };
}
