/**
 * In-memory passwd, alias tables and files for local expansion tests.
 */
import type { Config } from "../../../../src/config/types.ts";
import type {
  LocalExpansionContext,
  LocalExpansionRequest,
} from "../../../../src/delivery/local/local_expansion.ts";
import type { LocalUser } from "../../../../src/delivery/local/local_users.ts";
import type { OwnedFile } from "../../../../src/delivery/local/owned_file.ts";
import type {
  AliasTable,
  AliasTableCache,
  AliasTableOwner,
} from "../../../../src/maps/alias_table.ts";
import { parseAliasesFile } from "../../../../src/maps/aliases_file.ts";
import { LookupTableError } from "../../../../src/maps/lookup_table.ts";
import { baseTestConfig } from "../../../helpers/test_config.ts";

function user(name: string, uid: number): LocalUser {
  return { name, uid, gid: uid + 100, home: `/home/${name}`, shell: "/bin/sh" };
}

/** The passwd users of the fixture. */
export const USERS: Readonly<Record<string, LocalUser>> = {
  root: { name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/sh" },
  nobody: user("nobody", 65534),
  alice: user("alice", 1001),
  bob: user("bob", 1002),
  carol: user("carol", 1003),
};

/** A file as `readFile` returns it: owned by `uid`, mode 0644 unless given. */
export function file(text: string, uid: number, mode = 0o644): OwnedFile {
  return { text, uid, gid: uid, mode };
}

/** What a test sets up. */
export interface Setup {
  /** aliases(5) text of the one alias table, `hash:/etc/aliases`. */
  readonly aliases?: string;
  /** Owner of the alias table (default root). */
  readonly aliasOwner?: AliasTableOwner;
  /** Make the alias table unreadable. */
  readonly brokenAliases?: boolean;
  /** Files by path (`.forward`s, include lists); `Error` = unreadable. */
  readonly files?: Readonly<Record<string, OwnedFile | Error>>;
  readonly config?: Partial<Config>;
}

/** A context over `setup`, with the warnings it logged. */
export function expansionContext(
  setup: Setup,
): { context: LocalExpansionContext; warnings: string[] } {
  const warnings: string[] = [];
  const entries = parseAliasesFile(setup.aliases ?? "", "/etc/aliases")
    .entries;
  const table: AliasTable = {
    spec: "hash:/etc/aliases",
    lookup: (name) =>
      setup.brokenAliases
        ? Promise.reject(
          new LookupTableError("hash:/etc/aliases", "Permission denied"),
        )
        : Promise.resolve(entries.get(name.toLowerCase())),
    owner: () => Promise.resolve(setup.aliasOwner ?? { uid: 0, gid: 0 }),
  };
  const aliasTables: AliasTableCache = {
    open: (spec) => {
      if (spec !== table.spec) throw new Error(`unexpected table "${spec}"`);
      return table;
    },
  };
  const files = setup.files ?? {};
  const context: LocalExpansionContext = {
    config: baseTestConfig({
      mydestination: ["example.org", "localhost"],
      myorigin: "example.org",
      recipient_delimiter: "+",
      alias_maps: ["hash:/etc/aliases"],
      local_recipient_maps: ["unix:passwd.byname"],
      ...setup.config,
    }),
    aliasTables,
    lookupUser: (name) => Promise.resolve(USERS[name]),
    lookupUid: (uid) =>
      Promise.resolve(Object.values(USERS).find((u) => u.uid === uid)),
    readFile: (path) => {
      const found = files[path];
      if (found instanceof Error) return Promise.reject(found);
      return Promise.resolve(found);
    },
    log: { warning: (line) => void warnings.push(line) },
  };
  return { context, warnings };
}

/** A request for `localPart@domain` from alice@remote.example. */
export function request(
  localPart: string,
  domain = "example.org",
): LocalExpansionRequest {
  return {
    recipient: `${localPart}@${domain}`,
    localPart,
    domain,
    sender: "sender@remote.example",
  };
}

/** The privileges a passwd user's targets run with. */
export function privilegesOf(name: string) {
  const { uid, gid, home, shell } = USERS[name];
  return { user: name, uid, gid, home, shell };
}
