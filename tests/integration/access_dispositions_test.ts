/**
 * Access-map dispositions acted on by the queue, end to end: HOLD puts
 * the message in hold/ (shown with `!` by `mailsrv queue`, not
 * delivered), REDIRECT delivers to the redirect address only, FILTER
 * sends every recipient to the filter's nexthop instead of its mailbox.
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
import { startFakeSmtpServer } from "../helpers/fake_smtp_server.ts";

Deno.test("access map HOLD, REDIRECT and FILTER reach the queue", async () => {
  const filter = await startFakeSmtpServer({});
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const access = join(home, "recipient_access");
  await Deno.writeTextFile(
    access,
    [
      "held@localhost HOLD look at this first",
      "redir@localhost REDIRECT <carol@localhost>",
      `filtered@localhost FILTER smtp:[127.0.0.1]:${filter.port}`,
      "",
    ].join("\n"),
  );
  const daemon = await startDaemon({
    home,
    params: {
      smtpd_recipient_restrictions:
        `check_recipient_access hash:${access}, permit_mynetworks, reject_unauth_destination`,
    },
  });
  const mail = join(home, "mail");
  try {
    for (const rcpt of ["held", "redir", "filtered"]) {
      const [sent] = await sendWithSmtplib(daemon.port, "alice@localhost", [
        `${rcpt}@localhost`,
      ]);
      assert.equal(sent.code, 250, `${rcpt}: ${sent.reply}`);
    }
    await waitFor(
      "the filtered message at the filter",
      () => filter.messages.length === 1 ? true : undefined,
    );
    assert.deepEqual(filter.messages[0].recipients, ["filtered@localhost"]);
    await waitFor(
      "the redirected message in carol's Maildir",
      async () =>
        (await listFiles(join(mail, "carol", "new"))).length === 1
          ? true
          : undefined,
    );
    const held = await listFiles(join(daemon.queueDirectory, "hold"));
    assert.equal(held.length, 1, "one message on hold");
    const listing = await runMailsrv([
      "queue",
      "--config",
      daemon.configPath,
    ]);
    assert.match(listing.stdout, new RegExp(`^${held[0]}!`, "m"));
    assert.match(listing.stdout, /^\s+held@localhost$/m);
    for (const nobody of ["held", "redir", "filtered"]) {
      assert.deepEqual(
        await listFiles(join(mail, nobody, "new")).catch(() => []),
        [],
        `nothing delivered to ${nobody}`,
      );
    }
    assert.match(
      daemon.log(),
      /hold: RCPT from [^:]+: triggers HOLD action; from=<alice@localhost> to=<held@localhost>/,
    );
  } finally {
    await daemon.stop();
    await filter.close();
  }
});
