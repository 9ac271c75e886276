/**
 * smtpd_client_auth_rate_limit over real connections: past the limit a
 * client's AUTH gets anvil's 450 4.7.1 before any password check, while
 * a client in smtpd_client_event_limit_exceptions ($mynetworks) is not
 * counted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, startDaemon } from "../helpers/daemon.ts";
import { hashPassword } from "../../src/common/password_hash.ts";

/** One session per line of output: the AUTH PLAIN reply code and text. */
const AUTH = `
import smtplib, sys
port, source, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for _ in range(count):
    s = smtplib.SMTP("127.0.0.1", port, source_address=(source, 0), timeout=30)
    s.ehlo("client.example.com")
    code, text = s.docmd("AUTH", "PLAIN AGNhcm9sAHNlY3JldDM=")
    print(code, text.decode())
    s.quit()
`;

Deno.test("smtpd_client_auth_rate_limit: the third AUTH in the time unit gets 450 4.7.1", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  await Deno.writeTextFile(
    join(home, "sasl_users"),
    `carol:${await hashPassword("secret3")}\n`,
  );
  const daemon = await startDaemon({
    home,
    params: {
      mynetworks: "127.0.0.1/32",
      smtpd_sasl_auth_enable: "yes",
      smtpd_sasl_users_file: join(home, "sasl_users"),
      smtpd_client_auth_rate_limit: 2,
      anvil_rate_time_unit: "1h",
    },
  });
  try {
    const limited = (await python(AUTH, [
      String(daemon.port),
      "127.0.0.2",
      "3",
    ])).trimEnd().split("\n");
    assert.deepEqual(limited, [
      "235 2.7.0 Authentication successful",
      "235 2.7.0 Authentication successful",
      "450 4.7.1 Error: too many AUTH commands from 127.0.0.2",
    ]);
    const trusted = (await python(AUTH, [
      String(daemon.port),
      "127.0.0.1",
      "3",
    ])).trimEnd().split("\n");
    assert.deepEqual(
      trusted,
      Array(3).fill("235 2.7.0 Authentication successful"),
    );
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});
