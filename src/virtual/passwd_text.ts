/**
 * Line edits of vm-pop3d passwd files (`<pop3_passwd_directory>/<domain>/passwd`).
 *
 * DESCRIPTION
 *   One `user:hash` line per user, as htpasswd(1) writes them; a line may
 *   carry more colon-separated fields after the hash (passwd(5) style),
 *   which are kept. `#` comment lines and blank lines are kept byte for
 *   byte, as are the other users' lines. User names compare in lower
 *   case, as the POP3 server looks them up.
 *
 *   Lines are told apart as the POP3 server reads them
 *   (`maps/passwd_lines.ts`), so an edit always changes the line that
 *   counts.
 *
 *   Pure: text in, text out. Does NOT hash passwords
 *   (`pop3/password_hash.ts` does) or check names.
 */
import { vmPop3dUser } from "../maps/passwd_lines.ts";

/** Whose line it is, by the rule the POP3 server reads the file with. */
const userOf = vmPop3dUser;

/** The user names in the file, lower-cased, in order. */
export function passwdUsers(text: string): string[] {
  return text.split("\n").flatMap((line) => userOf(line) ?? []);
}

/**
 * `text` with the hash of `user` set: its line's second field replaced
 * (other fields kept), or a new line appended.
 */
export function setPasswdHash(
  text: string,
  user: string,
  hash: string,
): string {
  const lines = text.split("\n");
  const index = lines.findIndex((line) => userOf(line) === user);
  if (index < 0) {
    const separator = text === "" || text.endsWith("\n") ? "" : "\n";
    return `${text}${separator}${user}:${hash}\n`;
  }
  const fields = lines[index].split(":");
  fields[1] = hash;
  lines[index] = fields.join(":");
  return lines.join("\n");
}

/** `text` without the lines of `user`; null if it has none. */
export function removePasswdUser(text: string, user: string): string | null {
  const lines = text.split("\n");
  const kept = lines.filter((line) => userOf(line) !== user);
  return kept.length === lines.length ? null : kept.join("\n");
}
