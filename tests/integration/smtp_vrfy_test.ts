/**
 * VRFY over a real connection, asked by Python's smtplib: an unknown
 * local user is refused as Postfix refuses it with disable_vrfy_command =
 * no (RCPT's words, logged as a VRFY reject); a known one gets 252.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, startDaemon, waitFor } from "../helpers/daemon.ts";

const VERIFY = `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo("client.example")
for address in sys.argv[2:]:
    code, text = s.verify(address)
    print(code, text.decode())
s.quit()
`;

Deno.test("VRFY of an unknown local user: 550 5.1.1 as Postfix says it, and logged", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  await Deno.writeTextFile(join(home, "users"), "alice  ok\n");
  const daemon = await startDaemon({
    home,
    params: { local_recipient_maps: `hash:${join(home, "users")}` },
  });
  try {
    const answers = await python(VERIFY, [
      String(daemon.port),
      "bob@example.test",
      "alice@example.test",
      "alice",
      "someone@elsewhere.example",
    ]);
    assert.deepEqual(answers.trimEnd().split("\n"), [
      "550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown in local recipient table",
      "252 2.0.0 alice@example.test",
      "252 2.0.0 alice",
      "252 2.0.0 someone@elsewhere.example",
    ]);
    await waitFor("the VRFY reject line", () =>
      daemon.log().includes(
        "NOQUEUE: reject: VRFY from localhost[127.0.0.1]: 550 5.1.1 " +
          "<bob@example.test>: Recipient address rejected: User unknown in " +
          "local recipient table; to=<bob@example.test> proto=ESMTP " +
          "helo=<client.example>",
      ));
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});
