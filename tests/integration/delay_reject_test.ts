/**
 * smtpd_delay_reject = no over a real connection: a client the client
 * list refuses gets the refusal instead of the 220 banner and 503 to
 * every command but QUIT; another client is served.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, startDaemon } from "../helpers/daemon.ts";

const DIALOGUE = `
import smtplib, sys
port, source = int(sys.argv[1]), sys.argv[2]
try:
    s = smtplib.SMTP("127.0.0.1", port, source_address=(source, 0))
    print("banner 220")
except smtplib.SMTPConnectError as e:
    print("banner", e.smtp_code, e.smtp_error.decode())
    s = smtplib.SMTP()
    s.sock = __import__("socket").create_connection(("127.0.0.1", port), source_address=(source, 0))
    s.file = None
    s.getreply()
print("ehlo", *s.ehlo("client.example.com"))
print("quit", s.quit()[0])
`;

Deno.test("smtpd_delay_reject = no: the client list refuses at connect", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const access = join(home, "client_access");
  await Deno.writeTextFile(access, "127.0.0.2/32 REJECT go away\n");
  const daemon = await startDaemon({
    home,
    params: {
      smtpd_delay_reject: "no",
      smtpd_client_restrictions: `check_client_access cidr:${access}`,
    },
  });
  try {
    const refused = await python(DIALOGUE, [String(daemon.port), "127.0.0.2"]);
    assert.match(
      refused,
      /^banner 554 5\.7\.1 <localhost\[127\.0\.0\.2\]>: Client host rejected: go away$/m,
    );
    assert.match(
      refused,
      /^ehlo 503 b'5\.7\.0 Error: access denied for localhost\[127\.0\.0\.2\]'$/m,
    );
    assert.match(refused, /^quit 221$/m);
    const served = await python(DIALOGUE, [String(daemon.port), "127.0.0.3"]);
    assert.match(served, /^banner 220$/m);
    assert.match(served, /^ehlo 250 /m);
    assert.match(
      daemon.log(),
      /NOQUEUE: reject: CONNECT from localhost\[127\.0\.0\.2\]: 554 5\.7\.1/,
    );
  } finally {
    await daemon.stop();
  }
});
