/**
 * The mailbox guard on a real directory tree: the README's layout
 * (password files inside the mailbox base) with symbolic links planted
 * where a user who can write the base could plant them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Config } from "../../../src/config/types.ts";
import {
  checkDomainDirectory,
  checkMailbox,
  realPathOf,
} from "../../../src/layout/mod.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

interface Tree {
  readonly dir: string;
  readonly base: string;
  readonly config: Config;
}

async function withTree(body: (tree: Tree) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "mailsrv-guard-" }),
  );
  const base = join(dir, "vmail");
  try {
    for (const domain of ["one.test", "two.test"]) {
      await Deno.mkdir(join(base, domain), { recursive: true });
      await Deno.writeTextFile(join(base, domain, "passwd"), "u:x\n");
    }
    await Deno.mkdir(join(dir, "etc"));
    await Deno.writeTextFile(join(dir, "etc", "mailsrv.toml"), "");
    await Deno.writeTextFile(join(base, "vmailbox"), "");
    const config = baseTestConfig({
      configFile: join(dir, "etc", "mailsrv.toml"),
      queue_directory: join(dir, "queue"),
      virtual_mailbox_base: base,
      virtual_mailbox_maps: [`hash:${join(base, "vmailbox")}`],
      alias_maps: [`hash:${join(dir, "etc", "aliases")}`],
      pop3_passwd_directory: base,
    });
    await body({ dir, base, config });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const mbox = (path: string) => ({ format: "mbox" as const, path });
const maildir = (path: string) => ({ format: "maildir" as const, path });

Deno.test("realPathOf follows links in the existing part and keeps the missing rest", async () => {
  await withTree(async ({ dir, base }) => {
    await Deno.symlink(join(base, "one.test"), join(dir, "link"));
    assert.equal(
      realPathOf(join(dir, "link", "passwd")),
      join(base, "one.test", "passwd"),
    );
    assert.equal(
      realPathOf(join(dir, "link", "nobody", "new")),
      join(base, "one.test", "nobody", "new"),
    );
    // A dangling link leads where creating the mailbox would write.
    await Deno.symlink("../two.test/later", join(base, "one.test", "dangle"));
    assert.equal(
      realPathOf(join(dir, "link", "dangle")),
      join(base, "two.test", "later"),
    );
    await Deno.symlink("loop", join(dir, "loop"));
    assert.equal(realPathOf(join(dir, "loop")), join(dir, "loop"));
  });
});

Deno.test("the attack: a mailbox at the domain's passwd file, by map or by name", async () => {
  await withTree(async ({ base, config }) => {
    const refusal = await checkMailbox(
      config,
      mbox(join(base, "one.test", "passwd")),
      "virtual",
    );
    assert.equal(refusal?.kind, "protected");
    assert.match(
      refusal!.reason,
      /^mailbox ".*\/vmail\/one\.test\/passwd" is the POP3 password file of "one\.test"$/,
    );
    // A domain that has no passwd file yet is protected by the layout.
    const later = await checkMailbox(
      config,
      mbox(join(base, "three.test", "passwd")),
      "virtual",
    );
    assert.equal(later?.kind, "protected");
    assert.match(later!.reason, /is the POP3 password file of "three\.test"/);
  });
});

Deno.test("links planted in the mailbox base are followed", async () => {
  await withTree(async ({ dir, base, config }) => {
    const one = join(base, "one.test");
    await Deno.symlink("../two.test/passwd", join(one, "alice"));
    const alice = await checkMailbox(
      config,
      mbox(join(one, "alice")),
      "virtual",
    );
    assert.equal(alice?.kind, "protected");
    assert.match(
      alice!.reason,
      /mailbox ".*\/one\.test\/alice" \(really ".*\/two\.test\/passwd"\) is the POP3 password file of "two\.test"/,
    );

    await Deno.symlink(join(dir, "etc"), join(one, "box"));
    const box = await checkMailbox(
      config,
      maildir(join(one, "box/")),
      "virtual",
    );
    assert.match(box!.reason, /contains the configuration file/);

    await Deno.symlink(join(dir, "queue", "active"), join(one, "q"));
    const queue = await checkMailbox(config, mbox(join(one, "q")), "virtual");
    assert.match(queue!.reason, /sits inside the queue directory/);

    await Deno.symlink("../two.test", join(one, "domain"));
    const domain = await checkMailbox(
      config,
      maildir(join(one, "domain")),
      "virtual",
    );
    assert.match(
      domain!.reason,
      /contains the POP3 password file of "two\.test"/,
    );

    await Deno.symlink("bob.lock", join(one, "carol"));
    const lock = await checkMailbox(
      config,
      mbox(join(one, "carol")),
      "virtual",
    );
    assert.equal(lock?.kind, "protected");
    assert.match(lock!.reason, /lock file of mailbox "bob"/);
  });
});

Deno.test("a passwd file that is itself a link is protected at its target", async () => {
  await withTree(async ({ dir, base, config }) => {
    await Deno.mkdir(join(dir, "secret"));
    await Deno.writeTextFile(join(dir, "secret", "three"), "u:x\n");
    await Deno.mkdir(join(base, "three.test"));
    await Deno.symlink(
      join(dir, "secret", "three"),
      join(base, "three.test", "passwd"),
    );
    await Deno.symlink(
      join(dir, "secret", "three"),
      join(base, "one.test", "eve"),
    );
    const refusal = await checkMailbox(
      config,
      mbox(join(base, "one.test", "eve")),
      "virtual",
    );
    assert.match(refusal!.reason, /is the POP3 password file of "three\.test"/);
  });
});

Deno.test("reserved names without a collision are 'reserved'; ordinary mailboxes pass", async () => {
  await withTree(async ({ dir, base, config }) => {
    const separate = { ...config, pop3_passwd_directory: join(dir, "etc") };
    const passwd = await checkMailbox(
      separate,
      mbox(join(base, "one.test", "passwd")),
      "virtual",
    );
    assert.equal(passwd?.kind, "reserved");
    const folder = await checkMailbox(
      config,
      maildir(join(base, "one.test", "new/")),
      "virtual",
    );
    assert.equal(folder?.kind, "reserved");
    assert.match(folder!.reason, /Maildir's own folders/);
    for (
      const spot of [
        mbox(join(base, "one.test", "alice")),
        maildir(join(base, "two.test", "bob/")),
      ]
    ) {
      assert.equal(await checkMailbox(config, spot, "virtual"), undefined);
    }
    assert.equal(
      await checkMailbox(config, mbox(join(dir, "home", "passwd")), "file"),
      undefined,
      "a file target may be called passwd",
    );
  });
});

Deno.test("file targets: a .forward naming a passwd file, an alias naming the queue", async () => {
  await withTree(async ({ dir, base, config }) => {
    const forward = await checkMailbox(
      config,
      mbox(join(base, "one.test", "passwd")),
      "file",
    );
    assert.equal(forward?.kind, "protected");
    const queue = await checkMailbox(
      config,
      maildir(join(dir, "queue", "incoming/")),
      "file",
    );
    assert.match(queue!.reason, /sits inside the queue directory/);
    const aliases = await checkMailbox(
      config,
      mbox(join(dir, "etc", "aliases")),
      "file",
    );
    assert.match(aliases!.reason, /is the alias_maps table/);
  });
});

Deno.test("domain directories: a domain named like a table in the base, a file, the queue", async () => {
  await withTree(async ({ dir, base, config }) => {
    assert.equal(
      await checkDomainDirectory(config, join(base, "one.test"), "one.test"),
      undefined,
      "its own passwd file is expected",
    );
    assert.equal(
      await checkDomainDirectory(config, join(base, "new.test"), "new.test"),
      undefined,
    );
    assert.match(
      (await checkDomainDirectory(config, join(base, "vmailbox"), "vmailbox"))!,
      /is the virtual_mailbox_maps table/,
    );
    await Deno.writeTextFile(join(base, "flat"), "");
    assert.match(
      (await checkDomainDirectory(config, join(base, "flat"), "flat"))!,
      /exists and is not a directory/,
    );
    await Deno.symlink(join(dir, "queue"), join(base, "queue.test"));
    assert.match(
      (await checkDomainDirectory(
        config,
        join(base, "queue.test"),
        "queue.test",
      ))!,
      /is the queue directory/,
    );
  });
});
