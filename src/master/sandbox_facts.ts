/**
 * The facts of this system the role permissions depend on.
 *
 * DESCRIPTION
 *   role_permissions.ts is pure; what it needs to know of the system is
 *   read here, at start and at each reload:
 *
 *     nameServers  resolv_conf's DNS servers (the loopback resolver when
 *                  the file is missing, as the C library does)
 *     homes        home directories of mail users from the passwd file:
 *                  root and uid 1000 and up, except nobody (65534) and
 *                  homes that are "/" or not absolute
 *     systemForwardFiles  `.forward` in the homes of the other accounts
 *                  (system accounts, nobody): read only, so mail to
 *                  www-data or nobody is delivered to the spool as
 *                  Postfix does, and a `.forward` there is still obeyed
 *     setpriv      the setpriv(1) delivery runs commands through as root
 *     kill         kill(1): Deno.kill needs an unrestricted run grant, so
 *                  a sandboxed delivery signals a process group with it
 *     aliasTargets the `:include:` files and `/file` targets the alias
 *                  files name, and those the `:include:` files name in
 *                  turn (at most MAX_INCLUDE_FILES, nested at most
 *                  MAX_INCLUDE_DEPTH deep)
 *
 *   Reads resolv_conf, the passwd file (unreadable: no homes), the alias
 *   files and their `:include:` files (unreadable: none named).
 */
import type { Config } from "../config/types.ts";
import { DEFAULT_RESOLV_CONF, parseResolvConf } from "../dns/resolv_conf.ts";
import { parsePasswdLine, SYSTEM_PASSWD_FILE } from "../maps/mod.ts";
import { KILL_PATHS } from "../delivery/targets/process_group.ts";
import { SETPRIV_PATHS } from "../delivery/privileges.ts";
import type { SandboxFacts } from "./role_permissions.ts";
import { tableFile } from "../config/configured_tables.ts";
import { parseAliasesFile, parseTargetList } from "../maps/aliases_file.ts";
import { classifyAliasTarget } from "../delivery/local/alias_target.ts";

/** The most `:include:` files read for the grants. */
export const MAX_INCLUDE_FILES = 100;

/** How deep `:include:` files naming `:include:` files are followed. */
export const MAX_INCLUDE_DEPTH = 3;

/** Debian's UID_MIN: accounts below are system accounts, not mail users. */
export const FIRST_USER_UID = 1000;

/** nobody's uid, whose home is never real. */
const NOBODY_UID = 65534;

/** The home directories of mail users in passwd file `text`. */
export function mailUserHomes(text: string): string[] {
  const homes = new Set<string>();
  for (const line of text.split("\n")) {
    const entry = parsePasswdLine(line);
    if (!entry) continue;
    const user = entry.uid === 0 ||
      (entry.uid >= FIRST_USER_UID && entry.uid !== NOBODY_UID);
    const home = entry.home.replace(/\/+$/, "");
    if (user && home.startsWith("/") && home !== "") homes.add(home);
  }
  return [...homes].sort();
}

/**
 * The `.forward` files of the accounts in passwd file `text` that are not
 * mail users (mailUserHomes), whose homes are not granted.
 */
export function systemForwardFiles(text: string): string[] {
  const users = new Set(mailUserHomes(text));
  const files = new Set<string>();
  for (const line of text.split("\n")) {
    const entry = parsePasswdLine(line);
    if (!entry) continue;
    const home = entry.home.replace(/\/+$/, "");
    if (!entry.home.startsWith("/") || users.has(home)) continue;
    files.add(`${home}/.forward`);
  }
  return [...files].sort();
}

function firstFile(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not here; try the next place.
    }
  }
  return undefined;
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** The file targets and include files reachable from the alias files. */
export function aliasTargets(
  aliasFiles: readonly string[],
  read: (path: string) => string | undefined,
): { includes: string[]; files: string[] } {
  const includes = new Set<string>();
  const files = new Set<string>();
  let next: string[] = [];
  const take = (raw: string) => {
    const target = classifyAliasTarget(raw);
    if (target.kind === "file" && target.path !== "/dev/null") {
      files.add(target.path);
    } else if (target.kind === "include" && !includes.has(target.path)) {
      if (includes.size >= MAX_INCLUDE_FILES) return;
      includes.add(target.path);
      next.push(target.path);
    }
  };
  for (const file of aliasFiles) {
    const text = read(file);
    if (text === undefined) continue;
    for (const values of parseAliasesFile(text, file).entries.values()) {
      values.forEach(take);
    }
  }
  for (let depth = 0; depth < MAX_INCLUDE_DEPTH && next.length > 0; depth++) {
    const level = next;
    next = [];
    for (const path of level) {
      const text = read(path);
      if (text !== undefined) parseTargetList(text).targets.forEach(take);
    }
  }
  return { includes: [...includes].sort(), files: [...files].sort() };
}

/** Reads the facts for `config` (see the module comment). */
export function gatherSandboxFacts(
  config: Config,
  passwdFile = SYSTEM_PASSWD_FILE,
): SandboxFacts {
  const resolv = readText(config.resolv_conf);
  const servers = resolv === undefined
    ? DEFAULT_RESOLV_CONF.servers
    : parseResolvConf(resolv).servers;
  const setpriv = firstFile(SETPRIV_PATHS);
  const kill = firstFile(KILL_PATHS);
  const passwd = readText(passwdFile) ?? "";
  return {
    nameServers: servers.map((s) => ({ address: s.address, port: s.port })),
    homes: mailUserHomes(passwd),
    systemForwardFiles: systemForwardFiles(passwd),
    aliasTargets: aliasTargets(
      config.alias_maps.map(tableFile).filter((f) => f !== undefined),
      readText,
    ),
    ...(setpriv ? { setpriv } : {}),
    ...(kill ? { kill } : {}),
  };
}
