/**
 * A temp directory with a passwd file, homes and a spool, for local
 * delivery tests.
 */
import { join } from "node:path";
import type { Config } from "../../../src/config/types.ts";
import { testConfig } from "./test_config.ts";

/** Paths of the fixture. */
export interface LocalFixture {
  readonly dir: string;
  readonly passwdFile: string;
  readonly spool: string;
  /** Home directory of a passwd user. */
  home(user: "root" | "bob"): string;
  /** A config whose spool is the fixture's, changed by `overrides`. */
  config(overrides?: Partial<Config>): Config;
}

/** Runs `fn` with a fresh fixture: users root (uid 0) and bob (uid 1001). */
export async function withLocalFixture(
  fn: (fixture: LocalFixture) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-local-" });
  try {
    const home = (user: string) => join(dir, "home", user);
    for (const user of ["root", "bob"]) {
      await Deno.mkdir(home(user), { recursive: true });
    }
    const passwdFile = join(dir, "passwd");
    await Deno.writeTextFile(
      passwdFile,
      `root:x:0:0:root:${home("root")}:/bin/sh\n` +
        `bob:x:1001:1002:Bob:${home("bob")}:/bin/sh\n`,
    );
    const spool = join(dir, "spool");
    await fn({
      dir,
      passwdFile,
      spool,
      home,
      config: (overrides = {}) =>
        testConfig({ mail_spool_directory: `${spool}/`, ...overrides }),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The names in a directory, sorted; [] when it does not exist. */
export async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}
