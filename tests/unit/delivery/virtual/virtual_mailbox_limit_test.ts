/** virtual_mailbox_limit in the virtual agent (Postfix virtual(8)). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deliverVirtual } from "../../../../src/delivery/virtual/virtual.ts";
import { testMessage, withTempDir } from "../test_message.ts";
import { virtualConfig } from "../virtual_fixture.ts";

/** Not root: no chown, so tests run anywhere. */
const OPTIONS = { uid: 1000, clock: () => 1_700_000_000_000 };

Deno.test("deliverVirtual: an mbox or Maildir file over virtual_mailbox_limit bounces 5.2.2; mailbox_size_limit does not apply", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir, {
      virtual_mailbox_limit: 300,
      mailbox_size_limit: 1,
    });
    const base = config.virtual_mailbox_base;
    const small = testMessage({ content: "Subject: a\n\nshort\n" });
    const large = testMessage({ content: "Subject: b\n\n" + "z".repeat(300) });
    for (const recipient of ["alice@one.test", "bob@two.test"]) {
      const sent = await deliverVirtual(
        { ...small, recipient },
        config,
        OPTIONS,
      );
      assert.equal(sent.outcome, "sent", sent.reason);
      const bounced = await deliverVirtual(
        { ...large, recipient },
        config,
        OPTIONS,
      );
      assert.equal(bounced.outcome, "bounced");
      assert.equal(bounced.dsn, "5.2.2");
      assert.match(
        bounced.reason,
        /File too large \(mailbox full: virtual_mailbox_limit is 300 bytes\)$/,
      );
    }
    assert.doesNotMatch(
      await Deno.readTextFile(join(base, "one.test", "alice")),
      /zzz/,
    );
    assert.equal(
      [...Deno.readDirSync(join(base, "two.test", "bob", "new"))].length,
      1,
    );
  });
});
