/**
 * Real mail programs submitting through the checkout's sendmail: BSD
 * mailx (its `sendmail` variable pointing at a link named sendmail) and
 * mutt (`set sendmail="… -oi -t"`, so recipients come from the headers
 * and from its arguments at once), with a running daemon delivering.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  requireProgram,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";

const BIN = new URL("../../bin/mailsrv", import.meta.url).pathname;

/** The messages in `user`'s Maildir once there are `count` of them. */
async function mailbox(home: string, user: string, count: number) {
  const dir = join(home, "mail", user, "new");
  const names = await waitFor(`${count} messages for ${user}`, async () => {
    const found = await listFiles(dir);
    return found.length >= count ? found : undefined;
  });
  return await Promise.all(
    names.map((name) => Deno.readTextFile(join(dir, name))),
  );
}

async function runWithInput(
  program: string,
  args: string[],
  input: string,
  env: Record<string, string>,
): Promise<void> {
  const child = new Deno.Command(program, {
    args,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  assert.equal(
    out.code,
    0,
    `${program}: ${new TextDecoder().decode(out.stderr)}`,
  );
}

Deno.test("bsd-mailx and mutt submit through a link named sendmail; the daemon delivers", async () => {
  const mailx = requireProgram("bsd-mailx");
  const mutt = requireProgram("mutt");
  if (!mailx && !mutt) return;
  // The programs run "sendmail ARGS" without -C: mailsrv then reads its
  // embedded default, whose queue is $MAILSRV_HOME/var/queue, so the
  // daemon uses that queue.
  const home = await Deno.makeTempDir({ prefix: "mailsrv-mua-" });
  await Deno.mkdir(join(home, "var"));
  const daemon = await startDaemon({
    home,
    params: { queue_directory: join(home, "var", "queue") },
  });
  try {
    const bin = join(home, "bin");
    await Deno.mkdir(bin);
    // As an administrator links it: /usr/sbin/sendmail -> mailsrv.
    await Deno.symlink(BIN, join(bin, "sendmail"));
    const env = {
      HOME: home,
      MAILSRV_HOME: home,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    };
    let expected = 0;
    if (mailx) {
      await Deno.writeTextFile(
        join(home, "mailrc"),
        `set sendmail=${join(bin, "sendmail")}\n`,
      );
      await runWithInput(
        "bsd-mailx",
        [
          "-s",
          "from mailx",
          "-c",
          "carol@localhost",
          "-b",
          "dave@localhost",
          "bob@localhost",
        ],
        "sent by bsd-mailx\n",
        { ...env, MAILRC: join(home, "mailrc") },
      );
      expected++;
    }
    if (mutt) {
      await Deno.writeTextFile(
        join(home, "muttrc"),
        `set sendmail="${join(bin, "sendmail")} -oi -t"\n` +
          `set use_from=yes\nset from="Alice <alice@example.test>"\n` +
          `set record=""\n`,
      );
      await runWithInput(
        "mutt",
        [
          "-n",
          "-F",
          join(home, "muttrc"),
          "-s",
          "from mutt",
          "-c",
          "carol@localhost",
          "-b",
          "dave@localhost",
          "--",
          "bob@localhost",
        ],
        "sent by mutt\n",
        env,
      );
      expected++;
    }
    const bob = await mailbox(home, "bob", expected);
    const dave = await mailbox(home, "dave", expected);
    await mailbox(home, "carol", expected);
    assert.equal(bob.length, expected, "each recipient once");
    for (const message of [...bob, ...dave]) {
      assert.doesNotMatch(message, /^Bcc:/im);
      assert.match(message, /^Received: by \S+ \(mailsrv, from userid \d+\)/m);
    }
    if (mutt) {
      assert.ok(
        bob.some((m) => /^From: Alice <alice@example\.test>$/m.test(m)),
      );
    }
    if (mailx) assert.ok(bob.some((m) => /sent by bsd-mailx/.test(m)));
  } finally {
    await daemon.stop();
  }
});
