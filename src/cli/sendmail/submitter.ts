/**
 * Who submits a message through sendmail: user ID, login name, full name.
 *
 * DESCRIPTION
 *   `submitter` finds the user running `sendmail`, as Postfix's
 *   username() and fullname() do: the login name is the passwd(5) entry
 *   of the real user ID (else $LOGNAME or $USER when the file has none);
 *   the full name is $NAME, else the passwd entry's GECOS field up to the
 *   first comma (an `&` there stands for the login name, capitalized).
 *
 *   Used by sendmail's local submission (envelope sender, From:, the
 *   Received: header). Reads /etc/passwd and the environment.
 *
 *   Does NOT consult NSS (LDAP, systemd-userdb).
 */
import { parsePasswdLine } from "../../maps/passwd_file.ts";
import { SYSTEM_PASSWD_FILE } from "../../maps/unix_map.ts";

/** The submitting user. */
export interface Submitter {
  readonly uid: number;
  /** Login name, or undefined when none can be found. */
  readonly login?: string;
  /** Full name, or undefined when none is known. */
  readonly fullName?: string;
}

function env(name: string): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? undefined : value;
}

/** The GECOS full name: up to the first comma, `&` as the login name. */
export function gecosName(gecos: string, login: string): string | undefined {
  const capitalized = login.charAt(0).toUpperCase() + login.slice(1);
  const name = gecos.split(",")[0].replaceAll("&", capitalized).trim();
  return name === "" ? undefined : name;
}

/** The user running this process (see the module comment). */
export async function submitter(
  passwdFile = SYSTEM_PASSWD_FILE,
): Promise<Submitter> {
  const uid = Deno.uid() ?? 0;
  let text = "";
  try {
    text = await Deno.readTextFile(passwdFile);
  } catch {
    // No passwd file: the environment may still tell.
  }
  for (const line of text.split("\n")) {
    const entry = parsePasswdLine(line);
    if (entry?.uid !== uid) continue;
    const fullName = env("NAME") ?? gecosName(entry.gecos, entry.name);
    return { uid, login: entry.name, ...(fullName ? { fullName } : {}) };
  }
  const login = env("LOGNAME") ?? env("USER");
  const fullName = env("NAME");
  return {
    uid,
    ...(login ? { login } : {}),
    ...(fullName ? { fullName } : {}),
  };
}
