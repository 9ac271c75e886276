import assert from "node:assert/strict";
import { join } from "node:path";
import { srsRecipientVerdict } from "../../../src/master/srs_recipient.ts";
import { srsForward } from "../../../src/srs/mod.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

const DAY = 86_400_000;
const NOW = 1705320000000;

Deno.test("smtpd's SRS check: valid goes home, expired or unsigned is 550 5.1.1, others are not its business", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-srs-" });
  const secretFile = join(dir, "srs.secret");
  await Deno.writeTextFile(secretFile, "s3cret\n", { mode: 0o600 });
  try {
    const config = baseTestConfig({
      srs_domain: "srs.example",
      srs_secret_file: secretFile,
    });
    const address = srsForward("alice@example.org", "srs.example", [
      "s3cret",
    ], NOW);
    assert.deepEqual(srsRecipientVerdict(address, config, NOW + DAY), {
      ok: true,
      address: "alice@example.org",
    });
    const expired = srsRecipientVerdict(address, config, NOW + 22 * DAY);
    assert.equal(expired?.ok, false);
    assert.match(
      expired?.ok === false
        ? `${expired.code} ${expired.dsn} ${expired.text}`
        : "",
      /^550 5\.1\.1 .*Invalid SRS address \(expired\)/,
    );
    const unsigned = srsForward("alice@example.org", "srs.example", ["x"], NOW);
    assert.equal(srsRecipientVerdict(unsigned, config, NOW)?.ok, false);
    assert.equal(
      srsRecipientVerdict("bob@srs.example", config, NOW),
      undefined,
    );
    assert.equal(
      srsRecipientVerdict(address, { ...config, srs_domain: "" }, NOW),
      undefined,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
