/**
 * The delivery thread's sandbox through the daemon: a delivery that needs
 * a path the thread was not granted is deferred with a clear reason (the
 * thread does not crash, the mail stays queued), and a reload that
 * changes the grants restarts the thread so the mail then goes out.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { readMailbox, sendWithSmtplib } from "../helpers/mail.ts";

Deno.test("an :include: file the delivery thread was not granted defers until a reload grants it", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-sandbox-" });
  await Deno.chmod(home, 0o755);
  // Outside the daemon's home, which holds the maillog, queue and mail.
  const lists = await Deno.makeTempDir({ prefix: "mailsrv-lists-" });
  await Deno.chmod(lists, 0o755);
  await Deno.writeTextFile(join(lists, "staff.list"), "ann\n");
  await Deno.writeTextFile(join(lists, "board.list"), "ann\n");
  const aliases = join(home, "aliases");
  await Deno.writeTextFile(
    aliases,
    `staff: :include:${lists}/staff.list\n` +
      `board: :include:${lists}/board.list\n`,
  );
  const daemon = await startDaemon({
    home,
    params: { alias_maps: `hash:${aliases}`, max_idle: "3600s" },
  });
  const mail = join(home, "mail");
  try {
    // The thread starts for this one, granted the lists the aliases name.
    const [first] = await sendWithSmtplib(daemon.port, "boss@example.test", [
      "staff@localhost",
    ]);
    assert.equal(first.code, 250, first.reply);
    await waitFor(
      "the first delivery",
      async () =>
        (await readMailbox("maildir", join(mail, "ann")).catch(() => []))
            .length === 1 || undefined,
    );

    // A list that now names another list: include files are read at
    // each delivery, but the running thread's grants are those of its
    // start.
    await Deno.writeTextFile(join(lists, "directors.list"), "bob\n");
    await Deno.writeTextFile(
      join(lists, "board.list"),
      `:include:${lists}/directors.list\n`,
    );
    const [second] = await sendWithSmtplib(daemon.port, "boss@example.test", [
      "board@localhost",
    ]);
    assert.equal(second.code, 250, second.reply);
    const id = /queued as (\S+)/.exec(second.reply)?.[1];
    assert.ok(id, second.reply);
    const deferred = await waitFor(
      "the deferral",
      () =>
        daemon.log().split("\n").find((line) =>
          line.includes(`${id}: to=<board@localhost>`) &&
          line.includes("status=deferred")
        ),
    );
    assert.match(deferred, /dsn=4\.3\.0/);
    assert.match(
      deferred,
      /cannot read include file ".*directors\.list": denied by the mailsrv sandbox \(Requires read access to ".*directors\.list"\)/,
    );
    assert.doesNotMatch(daemon.log(), /queue manager thread failed/);
    assert.deepEqual(
      await listFiles(join(daemon.queueDirectory, "deferred")),
      [id],
    );

    // A reload computes new grants and restarts the thread with them.
    const reload = await runMailsrv(["reload", "--config", daemon.configPath]);
    assert.equal(reload.code, 0, reload.stderr);
    await waitFor("the thread's restart", () =>
      daemon.log().includes(
        "queue manager thread restarting with new permissions",
      ) || undefined);
    const flush = await runMailsrv([
      "flush",
      "--wait",
      "--config",
      daemon.configPath,
    ]);
    assert.equal(flush.code, 0, flush.stderr);
    await waitFor(
      "the delivery after the reload",
      async () =>
        (await readMailbox("maildir", join(mail, "bob")).catch(() => []))
            .length === 1 || undefined,
    );
    assert.deepEqual(
      await listFiles(join(daemon.queueDirectory, "deferred")),
      [],
    );
  } catch (error) {
    console.error(daemon.log());
    throw error;
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
    await Deno.remove(lists, { recursive: true });
  }
});
