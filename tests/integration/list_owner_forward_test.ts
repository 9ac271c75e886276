/**
 * A list with an owner: members off the box get the message with
 * `owner-NAME` as envelope sender, as Postfix's local(8) does with
 * owner_request_special, so their bounces reach the list's owner and not
 * the author; without an owner alias the author stays the sender.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDaemon, waitFor } from "../helpers/daemon.ts";
import { startFakeSmtpServer } from "../helpers/fake_smtp_server.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

Deno.test("list members forwarded off the box get owner-NAME as sender; a list without owner keeps the author", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-owner-" });
  await Deno.chmod(home, 0o755);
  await Deno.writeTextFile(
    join(home, "aliases"),
    "team: carol@remote.example, bob\nowner-team: alice\n" +
      "crowd: dave@remote.example\n",
  );
  const hop = await startFakeSmtpServer({});
  const daemon = await startDaemon({
    home,
    params: {
      alias_maps: `hash:${join(home, "aliases")}`,
      relayhost: `[127.0.0.1]:${hop.port}`,
    },
  });
  try {
    for (const list of ["team", "crowd"]) {
      const [sent] = await sendWithSmtplib(
        daemon.port,
        "author@elsewhere.example",
        [`${list}@example.test`],
      );
      assert.equal(sent.code, 250, sent.reply);
    }
    const bySender = await waitFor(
      "both lists' copies at the relayhost",
      () =>
        hop.messages.length >= 2
          ? new Map(hop.messages.map((m) => [m.recipients.join(), m.sender]))
          : undefined,
    );
    assert.equal(
      bySender.get("carol@remote.example"),
      "owner-team@example.test",
    );
    assert.equal(
      bySender.get("dave@remote.example"),
      "author@elsewhere.example",
    );
  } finally {
    await daemon.stop();
    await hop.close();
    await Deno.remove(home, { recursive: true });
  }
});
