/**
 * The README's virtual-domain setup as written: table files under an etc
 * directory, nothing else prepared. While a table file is missing, every
 * virtual recipient gets 451 and the maillog says why once; `mailsrv
 * check` names the file; `mailsrv domain add` creates every file the
 * layout names.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

/** The maillog lines that report `file` unavailable. */
function unavailableLines(log: string, file: string): string[] {
  return log.split("\n").filter((line) =>
    line.includes(`warning: hash:${file} is unavailable. open ${file}: `) &&
    line.includes("No such file or directory")
  );
}

/** The first refusal (or 250) for one message to `recipient`. */
async function rcptCode(port: number, recipient: string): Promise<number> {
  const [result] = await sendWithSmtplib(port, "s@example.net", [recipient]);
  return result.code;
}

Deno.test("virtual domains as the README sets them up: missing tables are 451 with one warning, check names them, domain add creates them", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-vlayout-" });
  const etc = join(home, "etc");
  await Deno.mkdir(etc);
  const base = join(home, "virtual");
  const aliases = join(etc, "vmail_aliases");
  const uid = Deno.uid() === 0 ? 200 : Deno.uid()!;
  const gid = Deno.uid() === 0 ? 200 : Deno.gid()!;
  const daemon = await startDaemon({
    home,
    params: {
      virtual_mailbox_base: base,
      virtual_mailbox_domains: `hash:${join(etc, "vmail_domains")}`,
      virtual_mailbox_maps: `hash:${join(etc, "vmail_mailbox")}`,
      virtual_alias_maps: `hash:${aliases}`,
      virtual_uid_maps: `static:${uid}`,
      virtual_gid_maps: `static:${gid}`,
      pop3_passwd_directory: base,
    },
  });
  const cli = (args: string[], stdin?: string) =>
    runMailsrv([...args, "--config", daemon.configPath], { stdin });
  try {
    // Nothing exists yet: the domain list cannot be read.
    assert.equal(await rcptCode(daemon.port, "alice@example.com"), 451);
    assert.equal(await rcptCode(daemon.port, "bob@example.com"), 451);
    assert.equal(
      unavailableLines(daemon.log(), join(etc, "vmail_domains")).length,
      1,
      daemon.log(),
    );
    const before = await cli(["check"]);
    assert.equal(before.code, 1);
    for (const name of ["vmail_domains", "vmail_mailbox", "vmail_aliases"]) {
      assert.match(
        before.stderr,
        new RegExp(
          `mailsrv: error: virtual_\\w+: hash:${
            join(etc, name)
          }: no such file; every lookup fails with a temporary error`,
        ),
      );
    }
    assert.match(before.stdout, /mailsrv is running \(pid \d+\)/);

    // The README's commands.
    const added = await cli(["domain", "add", "example.com"]);
    assert.equal(added.code, 0, added.stderr);
    const user = await cli(
      ["user", "add", "--password-stdin", "alice@example.com"],
      "secret\n",
    );
    assert.equal(user.code, 0, user.stderr);
    assert.match(await Deno.readTextFile(aliases), /^# virtual_alias_maps/);
    const after = await cli(["check"]);
    assert.equal(after.code, 0, after.stderr);
    assert.doesNotMatch(after.stderr, /error/);

    const inbox = join(base, "example.com", "alice", "new");
    await waitFor(
      "alice to be accepted",
      async () =>
        await rcptCode(daemon.port, "alice@example.com") === 250 || undefined,
    );
    await waitFor(
      "the delivery",
      async () => (await listFiles(inbox)).length === 1 || undefined,
    );

    // The alias map goes away: 451 for every recipient, one warning.
    await Deno.remove(aliases);
    await waitFor(
      "451 without the alias map",
      async () =>
        await rcptCode(daemon.port, "alice@example.com") === 451 || undefined,
    );
    assert.equal(await rcptCode(daemon.port, "alice@example.com"), 451);
    assert.equal(await rcptCode(daemon.port, "nobody@example.com"), 451);
    assert.equal(unavailableLines(daemon.log(), aliases).length, 1);
    const broken = await cli(["check"]);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      new RegExp(`virtual_alias_maps: hash:${aliases}: no such file`),
    );

    // Fixed, then broken again: reported again, once.
    await Deno.writeTextFile(aliases, "");
    await waitFor(
      "250 with the alias map back",
      async () =>
        await rcptCode(daemon.port, "alice@example.com") === 250 || undefined,
    );
    await waitFor(
      "a delivery with the alias map back",
      // A probe sent while the removal was not yet noticed (tables are
      // checked once a second) may have been delivered too.
      async () => (await listFiles(inbox)).length >= 2 || undefined,
    );
    await Deno.remove(aliases);
    await waitFor(
      "451 again",
      async () =>
        await rcptCode(daemon.port, "alice@example.com") === 451 || undefined,
    );
    assert.equal(await rcptCode(daemon.port, "alice@example.com"), 451);
    assert.equal(unavailableLines(daemon.log(), aliases).length, 2);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("domain add refuses a table whose directory does not exist, creating nothing", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-vlayout-" });
  try {
    const path = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      path,
      [
        `queue_directory = "${join(home, "queue")}"`,
        `virtual_mailbox_base = "${join(home, "virtual")}"`,
        `virtual_mailbox_domains = "hash:${join(home, "vmail_domains")}"`,
        `virtual_mailbox_maps = "hash:${join(home, "vmail_mailbox")}"`,
        `virtual_alias_maps = "hash:${join(home, "etc", "vmail_aliases")}"`,
        `virtual_uid_maps = "static:200"`,
        `virtual_gid_maps = "static:200"`,
        `pop3_passwd_directory = "${join(home, "virtual")}"`,
        "",
      ].join("\n"),
    );
    const r = await runMailsrv(["domain", "add", "example.com", "-c", path]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `mailsrv: error: virtual_alias_maps: directory "${
          join(home, "etc")
        }" of "\\S+vmail_aliases" does not exist`,
      ),
    );
    assert.deepEqual(
      [...Deno.readDirSync(home)].map((e) => e.name),
      ["mailsrv.toml"],
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
