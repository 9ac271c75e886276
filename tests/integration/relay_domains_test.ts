/**
 * relay_domains over a real connection: a client outside mynetworks may
 * send to a relay domain (and its subdomains), whose recipients
 * relay_recipient_maps lists, but not to any other remote domain.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, startDaemon } from "../helpers/daemon.ts";

const RCPT = `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo("client.example")
s.mail("sender@client.example")
for address in sys.argv[2:]:
    code, text = s.rcpt(address)
    print(code, text.decode())
s.quit()
`;

Deno.test("relay_domains: accepted from outside mynetworks, per relay_recipient_maps", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  await Deno.writeTextFile(join(home, "relay_domains"), "backup.test OK\n");
  await Deno.writeTextFile(
    join(home, "relay_recipients"),
    "known@relay.test  OK\n@backup.test  OK\n",
  );
  const daemon = await startDaemon({
    home,
    params: {
      // The test client (127.0.0.1) is not trusted to relay.
      mynetworks: "192.0.2.0/24",
      relay_domains: `relay.test, hash:${join(home, "relay_domains")}`,
      relay_recipient_maps: `hash:${join(home, "relay_recipients")}`,
      recipient_delimiter: "+",
    },
  });
  try {
    const answers = await python(RCPT, [
      String(daemon.port),
      "known@relay.test",
      "Known+ext@Relay.Test",
      "unknown@relay.test",
      "anyone@backup.test",
      "anyone@mx.backup.test",
      "victim@remote.test",
      "known%remote.test@relay.test",
    ]);
    assert.deepEqual(answers.trimEnd().split("\n"), [
      "250 2.1.5 Ok",
      "250 2.1.5 Ok",
      "550 5.1.1 <unknown@relay.test>: Recipient address rejected: User unknown in relay recipient table",
      "250 2.1.5 Ok",
      // A subdomain is a relay domain too; @backup.test lists only backup.test.
      "550 5.1.1 <anyone@mx.backup.test>: Recipient address rejected: User unknown in relay recipient table",
      "554 5.7.1 <victim@remote.test>: Relay access denied",
      "554 5.7.1 <known%remote.test@relay.test>: Relay access denied",
    ]);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});
