/**
 * `sendmail -bv` of an SRS address of ours reports the delivery of the
 * address it stands for (the bounce goes there), as smtpd does at RCPT;
 * a forged one is undeliverable.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMailsrv } from "../helpers/daemon.ts";
import { srsForward } from "../../src/srs/mod.ts";

Deno.test("sendmail -bv: an SRS address of ours is reported as the original sender's delivery", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-srs-bv-" });
  try {
    const secretFile = join(home, "srs.secret");
    await Deno.writeTextFile(secretFile, "test-secret-one\n", { mode: 0o600 });
    const config = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      config,
      [
        `myhostname = "mx.example.test"`,
        `mydestination = "localhost, example.test"`,
        `queue_directory = "${join(home, "queue")}"`,
        `mail_spool_directory = "${join(home, "mail")}/"`,
        `local_recipient_maps = ""`,
        `maillog_file = "${join(home, "maillog")}"`,
        `srs_domain = "srs.example.test"`,
        `srs_secret_file = "${secretFile}"`,
        `srs_exclude_domains = ""`,
        ``,
      ].join("\n"),
    );
    const srs = srsForward(
      "alice@example.test",
      "srs.example.test",
      ["test-secret-one"],
      Date.now(),
    );
    const forged = srs.replace(/^SRS0=..../, "SRS0=AAAA");
    const good = await runMailsrv(["sendmail", "-C", config, "-bv", srs]);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.equal(
      good.stdout.split("\n")[1],
      `<alice@example.test> (expanded from <${srs}>): deliverable: local (local: domain "example.test" is in mydestination)`,
    );
    const bad = await runMailsrv(["sendmail", "-C", config, "-bv", forged]);
    assert.equal(bad.code, 67, bad.stdout + bad.stderr);
    assert.equal(
      bad.stdout.split("\n")[1],
      `<${forged}>: undeliverable: 550 5.1.1 Recipient address rejected: Invalid SRS address (bad hash)`,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
