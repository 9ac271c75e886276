/**
 * Expansion over real files: an aliases file, an include list and a
 * .forward read with readOwnedFile, owners set with chown when running as
 * root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expandLocalRecipient } from "../../../../src/delivery/local/local_expansion.ts";
import type { LocalUser } from "../../../../src/delivery/local/local_users.ts";
import {
  OWNED_FILE_LIMIT,
  readOwnedFile,
} from "../../../../src/delivery/local/owned_file.ts";
import { createAliasTableCache } from "../../../../src/maps/alias_table.ts";
import { baseTestConfig } from "../../../helpers/test_config.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-expansion-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("owned file: text, owner and mode; missing is undefined", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "list");
    await Deno.writeTextFile(path, "alice\n", { mode: 0o640 });
    await Deno.chmod(path, 0o640);
    const info = await Deno.stat(path);
    assert.deepEqual(await readOwnedFile(path), {
      text: "alice\n",
      uid: info.uid,
      gid: info.gid,
      mode: 0o640,
    });
    assert.equal(await readOwnedFile(join(dir, "none")), undefined);
    await assert.rejects(readOwnedFile(dir), /not a regular file/);
    await Deno.writeFile(
      join(dir, "big"),
      new Uint8Array(OWNED_FILE_LIMIT + 1),
    );
    await assert.rejects(readOwnedFile(join(dir, "big")), /larger than/);
  });
});

Deno.test({
  name: "expansion over files: alias, include list owned by a user, .forward",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withDir(async (dir) => {
      const home = join(dir, "home", "bob");
      await Deno.mkdir(home, { recursive: true });
      const users: Record<string, LocalUser> = {
        bob: { name: "bob", uid: 1002, gid: 1002, home, shell: "/bin/sh" },
        nobody: {
          name: "nobody",
          uid: 65534,
          gid: 65534,
          home: "/",
          shell: "/bin/false",
        },
      };
      const aliases = join(dir, "aliases");
      const list = join(dir, "list");
      await Deno.writeTextFile(
        aliases,
        `staff: :include:${list}, |/bin/true\nowner-staff: bob\n`,
      );
      await Deno.writeTextFile(list, "bob\n/var/tmp/staff-archive\n");
      await Deno.chown(list, 3000, 3001);
      await Deno.writeTextFile(
        join(home, ".forward"),
        "\\bob, bob@remote.net\n",
      );
      await Deno.chown(join(home, ".forward"), 1002, 1002);
      const result = await expandLocalRecipient({
        recipient: "staff@example.org",
        localPart: "Staff",
        domain: "example.org",
        sender: "x@remote.net",
      }, {
        config: baseTestConfig({
          alias_maps: [`hash:${aliases}`],
          allow_mail_to_files: ["include"],
          local_recipient_maps: ["unix:passwd.byname"],
        }),
        aliasTables: createAliasTableCache(),
        lookupUser: (name) => Promise.resolve(users[name]),
      });
      assert.equal(result.sender, "owner-staff@example.org");
      assert.deepEqual(result.targets, [
        { kind: "mailbox", user: "bob", extension: "" },
        { kind: "forward", address: "bob@remote.net" },
        {
          kind: "file",
          path: "/var/tmp/staff-archive",
          source: "include",
          privileges: {
            user: "3000",
            uid: 3000,
            gid: 3001,
            home: "",
            shell: "",
          },
          recipient: "staff@example.org",
        },
        {
          kind: "command",
          command: "/bin/true",
          source: "alias",
          privileges: {
            user: "nobody",
            uid: 65534,
            gid: 65534,
            home: "/",
            shell: "/bin/false",
          },
          recipient: "staff@example.org",
        },
      ]);
    });
  },
});
