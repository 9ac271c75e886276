/**
 * The table files of the virtual-domain layout, created empty when missing.
 *
 * DESCRIPTION
 *   The README's virtual-domain setup names three text tables:
 *   virtual_mailbox_domains (the domains file), virtual_mailbox_maps (the
 *   mailbox map) and virtual_alias_maps. A missing table file is a
 *   temporary lookup failure (`config/configured_tables.ts`): every
 *   virtual recipient would get 451 until it exists. So `mailsrv domain
 *   add` creates each `hash:`/`texthash:` file those parameters name that
 *   does not exist yet, with a comment saying what goes in it (mode 0644,
 *   atomically, like every other edit of these files) — before the domain
 *   is listed, so smtpd never accepts the domain with a table missing.
 *
 *   The directories the domain directories go in, virtual_mailbox_base
 *   and pop3_passwd_directory, are created too when missing (mode 0755,
 *   owned by the caller: root, as in the recipe's `mkdir`).
 *
 *   A file or directory whose parent does not exist is refused, naming
 *   it, before anything is created: a typo in a path should not grow a
 *   new tree.
 *
 *   Does NOT touch existing files.
 */
import { dirname } from "node:path";
import type { Config } from "../config/types.ts";
import { editFileAtomically } from "../fs/atomic_replace.ts";
import { AdminError } from "./admin_error.ts";

/** Mode of a table file created here. */
const TABLE_FILE_MODE = 0o644;

/** The parameters whose text tables make up the layout, and their header. */
const LAYOUT: ReadonlyArray<
  readonly [keyof Config & `virtual_${string}`, string]
> = [
  [
    "virtual_mailbox_domains",
    "# virtual_mailbox_domains: one virtual mailbox domain per line\n" +
    '# ("example.com  virtual"); "mailsrv domain add|del" edits this file.\n',
  ],
  [
    "virtual_mailbox_maps",
    "# virtual_mailbox_maps: user@domain  domain/user/ (Maildir) or\n" +
    '# domain/user (mbox), relative to virtual_mailbox_base;\n# "mailsrv user add|del" edits this file.\n',
  ],
  [
    "virtual_alias_maps",
    "# virtual_alias_maps: address  target, target...\n" +
    "# e.g. info@example.com  alice@example.com, bob@example.com\n" +
    "#      @example.com      catchall@example.com\n",
  ],
];

const TEXT_TABLE = /^(?:hash|texthash):(.+)$/s;

/** The text table files of the layout, with their headers. */
export function layoutFiles(
  config: Config,
): { parameter: string; path: string; header: string }[] {
  const files: { parameter: string; path: string; header: string }[] = [];
  for (const [parameter, header] of LAYOUT) {
    for (const item of config[parameter] as readonly string[]) {
      const path = TEXT_TABLE.exec(item.trim())?.[1];
      if (path !== undefined) files.push({ parameter, path, header });
    }
  }
  return files;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The layout's directories that are set: [parameter, path]. */
function layoutDirectories(config: Config): [string, string][] {
  const directories: [string, string][] = [
    ["virtual_mailbox_base", config.virtual_mailbox_base],
    ["pop3_passwd_directory", config.pop3_passwd_directory],
  ];
  return directories.filter(([, path]) => path !== "");
}

/**
 * Creates every missing directory and table file of the layout; existing
 * ones are left as they are.
 * @returns the directories and files created
 * @throws AdminError when a parent directory does not exist
 */
export async function createLayoutFiles(config: Config): Promise<string[]> {
  const files = layoutFiles(config);
  const directories = layoutDirectories(config);
  const wanted = [
    ...directories,
    ...files.map(({ parameter, path }) => [parameter, path]),
  ];
  for (const [parameter, path] of wanted) {
    if (!await isDirectory(dirname(path))) {
      throw new AdminError(
        `${parameter}: directory "${
          dirname(path)
        }" of "${path}" does not exist`,
      );
    }
  }
  const created: string[] = [];
  for (const [, path] of directories) {
    if (await isDirectory(path)) continue;
    await Deno.mkdir(path, { mode: 0o755 });
    created.push(path);
  }
  for (const { path, header } of files) {
    const written = await editFileAtomically(
      path,
      (text) => text === null ? header : null,
      { createMode: TABLE_FILE_MODE },
    );
    if (written) created.push(path);
  }
  return created;
}
