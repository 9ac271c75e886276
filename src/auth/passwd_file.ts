/**
 * vm-pop3d passwd files: one per virtual domain.
 *
 * DESCRIPTION
 *   The POP3 authenticator finds a virtual user's password hash in
 *   `<pop3_passwd_directory>/<domain>/passwd` (vm-pop3d's
 *   /etc/virtual/<domain>/passwd), written by htpasswd or by hand:
 *
 *     # comment                 comments and blank lines are skipped
 *     user:hash                 the hash as password_hash.ts reads it
 *     user:hash:anything else   fields after the hash are ignored
 *
 *   User names match case-insensitively; the first line for a name wins.
 *   A line without a `:` or with an empty name is skipped with a warning
 *   naming the file and line.
 *
 *   Files are re-read when they change (`watched_file.ts`), so `htpasswd`
 *   takes effect for the next login. A missing file means the domain has
 *   no POP3 users; any other read error rejects with `LookupTableError`.
 *
 *   This module does not verify passwords or check the domain name; the
 *   caller passes a domain already known to be safe and virtual.
 */
import { join } from "node:path";
import { maillog } from "../log/maillog.ts";
import { LookupTableError, type MapOptions } from "../maps/mod.ts";
import { entryLines, vmPop3dUser } from "../maps/passwd_lines.ts";
import { type WatchedFile, watchFile } from "../maps/watched_file.ts";

/** The users of one passwd file. */
export interface ParsedPop3Passwd {
  /** Lower-cased user name → password hash. */
  readonly hashes: ReadonlyMap<string, string>;
  /** One message per skipped line. */
  readonly warnings: readonly string[];
}

/**
 * Parses the text of a vm-pop3d passwd file.
 * @param file its path, for warnings
 */
export function parsePop3Passwd(text: string, file: string): ParsedPop3Passwd {
  const hashes = new Map<string, string>();
  const warnings: string[] = [];
  for (const { number, text: line, fields } of entryLines(text)) {
    const user = vmPop3dUser(line);
    if (user === undefined) {
      warnings.push(
        `"${file}", line ${number}: expected "user:hash", line skipped`,
      );
    } else if (!hashes.has(user)) {
      hashes.set(user, fields[1]);
    }
  }
  return { hashes, warnings };
}

/** The passwd files of all virtual domains, each followed on disk. */
export interface Pop3PasswdFiles {
  /**
   * The password hash of `user` in `domain`, or undefined when the domain
   * has no passwd file or the file has no such user.
   * @param directory pop3_passwd_directory
   * @throws LookupTableError when the file exists but cannot be read
   */
  find(
    directory: string,
    domain: string,
    user: string,
  ): Promise<string | undefined>;
}

/** The path of `domain`'s passwd file under `directory`. */
export function pop3PasswdPath(directory: string, domain: string): string {
  return join(directory, domain, "passwd");
}

/** Creates the passwd file cache; it lives as long as the POP3 service. */
export function createPop3PasswdFiles(
  options: MapOptions = {},
): Pop3PasswdFiles {
  const files = new Map<string, WatchedFile<ReadonlyMap<string, string>>>();
  const log = options.log ?? maillog("pop3");
  const clock = options.clock ?? Date.now;

  function watched(path: string) {
    let file = files.get(path);
    if (!file) {
      file = watchFile(path, (text) => {
        const parsed = parsePop3Passwd(text, path);
        for (const warning of parsed.warnings) log.warning(warning);
        return parsed.hashes;
      }, {
        spec: path,
        clock,
        log,
        // A domain without a passwd file has no POP3 users: nothing to warn.
        whenMissing: (): ReadonlyMap<string, string> => new Map(),
        warnWhenMissing: false,
      });
      files.set(path, file);
    }
    return file;
  }

  return {
    async find(directory, domain, user) {
      const path = pop3PasswdPath(directory, domain);
      try {
        return (await watched(path).current()).get(user.toLowerCase());
      } catch (error) {
        if (!(error instanceof LookupTableError)) throw error;
        if (await isMissing(path)) return undefined;
        throw error;
      }
    },
  };
}

/** True when nothing exists at `path`. */
async function isMissing(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return false;
  } catch (error) {
    return error instanceof Deno.errors.NotFound;
  }
}
