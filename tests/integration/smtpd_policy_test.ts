/**
 * smtpd access control over real connections: relay refused from an
 * untrusted loopback address and allowed from a trusted one, an RBL hit
 * and miss against a DNS zone the test serves, built-in greylisting,
 * connection rate limits, an open-relay configuration refused at start,
 * and postgrey as a check_policy_service server.
 *
 * Clients connect from 127.0.0.2 and 127.0.0.3 by binding their local
 * address (Python smtplib's source_address); the daemon trusts only
 * 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  python,
  requireProgram,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { startDnsServer } from "../helpers/dns_server.ts";

/** Sends EHLO, MAIL and each RCPT from `source`; prints each RCPT reply. */
const RCPT = `
import smtplib, sys
port, source, sender = int(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    s = smtplib.SMTP("127.0.0.1", port, source_address=(source, 0))
except smtplib.SMTPConnectError as e:
    print(e.smtp_code, e.smtp_error.decode())
    sys.exit(0)
s.ehlo("client.example.com")
code, text = s.mail(sender)
if code != 250:
    print("MAIL", code, text.decode())
for rcpt in sys.argv[4:]:
    code, text = s.rcpt(rcpt)
    print(code, text.decode())
s.quit()
`;

async function rcpt(
  port: number,
  source: string,
  ...recipients: string[]
): Promise<string[]> {
  const out = await python(RCPT, [
    String(port),
    source,
    "alice@example.com",
    ...recipients,
  ]);
  return out.trimEnd().split("\n");
}

const TRUSTED = { mynetworks: "127.0.0.1/32" };

Deno.test("relay: refused from 127.0.0.2, allowed from the trusted 127.0.0.1", async () => {
  const daemon = await startDaemon({ params: TRUSTED });
  try {
    assert.deepEqual(
      await rcpt(
        daemon.port,
        "127.0.0.2",
        "victim@remote.example",
        "bob@localhost",
      ),
      [
        "554 5.7.1 <victim@remote.example>: Relay access denied",
        "250 2.1.5 Ok",
      ],
    );
    assert.deepEqual(
      await rcpt(daemon.port, "127.0.0.1", "friend@remote.example"),
      ["250 2.1.5 Ok"],
    );
    await waitFor("the reject line", () =>
      daemon.log().includes(
        "NOQUEUE: reject: RCPT from localhost[127.0.0.2]: 554 5.7.1 <victim@remote.example>: Relay access denied;",
      ));
  } finally {
    await daemon.stop();
  }
});

Deno.test("reject_rbl_client: a listed client is refused, an unlisted one is not", async () => {
  const dns = await startDnsServer({
    records: {
      "2.0.0.127.zen.example": [{
        type: "A",
        name: "2.0.0.127.zen.example",
        data: "127.0.0.2",
      }],
    },
  });
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  // Not resolv.conf: the daemon helper overwrites that one with a dead server.
  const resolvConf = join(home, "rbl-resolv.conf");
  await Deno.writeTextFile(
    resolvConf,
    `${dns.nameserverLine}\noptions timeout:1 attempts:1\n`,
  );
  const daemon = await startDaemon({
    home,
    params: {
      ...TRUSTED,
      resolv_conf: resolvConf,
      smtpd_client_restrictions: "reject_rbl_client zen.example",
    },
  });
  try {
    assert.deepEqual(await rcpt(daemon.port, "127.0.0.2", "bob@localhost"), [
      "554 5.7.1 Service unavailable; Client host [127.0.0.2] blocked using zen.example",
    ]);
    assert.deepEqual(await rcpt(daemon.port, "127.0.0.3", "bob@localhost"), [
      "250 2.1.5 Ok",
    ]);
    assert.ok(dns.asked.includes("A 3.0.0.127.zen.example/udp"));
  } finally {
    await daemon.stop();
    await dns.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("check_client_access with a cidr: table refuses a listed client", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  await Deno.writeTextFile(
    join(home, "clients.cidr"),
    "127.0.0.2/32  REJECT go away\n127.0.0.0/8  DUNNO\n",
  );
  const daemon = await startDaemon({
    home,
    params: {
      ...TRUSTED,
      smtpd_client_restrictions: `check_client_access cidr:${
        join(home, "clients.cidr")
      }`,
    },
  });
  try {
    assert.deepEqual(await rcpt(daemon.port, "127.0.0.2", "bob@localhost"), [
      "554 5.7.1 <localhost[127.0.0.2]>: Client host rejected: go away",
    ]);
    assert.deepEqual(await rcpt(daemon.port, "127.0.0.3", "bob@localhost"), [
      "250 2.1.5 Ok",
    ]);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("check_greylist: the first attempt is deferred, the retry after the delay accepted", async () => {
  const daemon = await startDaemon({
    params: {
      ...TRUSTED,
      smtpd_recipient_restrictions: "check_greylist",
      // The delay is configuration: 0 s lets the retry pass at once.
      smtpd_greylist_delay: "0s",
    },
  });
  try {
    assert.deepEqual(await rcpt(daemon.port, "127.0.0.2", "bob@localhost"), [
      "450 4.7.1 <bob@localhost>: Recipient address rejected: Greylisted, try again later",
    ]);
    assert.deepEqual(await rcpt(daemon.port, "127.0.0.2", "bob@localhost"), [
      "250 2.1.5 Ok",
    ]);
  } finally {
    await daemon.stop();
  }
});

Deno.test("smtpd_client_connection_rate_limit: 421 past the limit, trusted clients exempt", async () => {
  const daemon = await startDaemon({
    params: { ...TRUSTED, smtpd_client_connection_rate_limit: 2 },
  });
  try {
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await rcpt(daemon.port, "127.0.0.2", "bob@localhost"), [
        "250 2.1.5 Ok",
      ]);
    }
    assert.deepEqual(await rcpt(daemon.port, "127.0.0.2", "bob@localhost"), [
      "421 4.7.0 mx.example.test Error: too many connections from 127.0.0.2",
    ]);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await rcpt(daemon.port, "127.0.0.1", "bob@localhost"), [
        "250 2.1.5 Ok",
      ]);
    }
    await waitFor("the warning", () =>
      daemon.log().includes(
        "Connection rate limit exceeded: 3 from localhost[127.0.0.2] for service smtp",
      ));
  } finally {
    await daemon.stop();
  }
});

Deno.test("relay rules that would make an open relay stop the start", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const configPath = join(home, "mailsrv.toml");
  await Deno.writeTextFile(
    configPath,
    `queue_directory = "${join(home, "queue")}"\n` +
      `smtpd_relay_restrictions = "permit_mynetworks, permit"\n`,
  );
  try {
    const result = await runMailsrv(["check", "--config", configPath]);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /specify at least one working instance of: reject_unauth_destination/,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("interop: postgrey as check_policy_service defers a new triplet, passes a whitelisted client", async () => {
  if (!requireProgram("postgrey")) return;
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const dbdir = join(home, "postgrey");
  await Deno.mkdir(dbdir);
  await Deno.chmod(dbdir, 0o777);
  await Deno.chmod(home, 0o755);
  const whitelist = join(home, "whitelist_clients");
  await Deno.writeTextFile(whitelist, "127.0.0.3\n");
  await Deno.writeTextFile(join(home, "whitelist_recipients"), "");
  const port = freePort();
  const postgrey = new Deno.Command("postgrey", {
    args: [
      `--inet=127.0.0.1:${port}`,
      `--dbdir=${dbdir}`,
      "--delay=3600",
      `--whitelist-clients=${whitelist}`,
      `--whitelist-recipients=${join(home, "whitelist_recipients")}`,
      ...(Deno.uid() === 0 ? ["--user=nobody", "--group=nogroup"] : []),
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const daemon = await startDaemon({
    params: {
      ...TRUSTED,
      smtpd_recipient_restrictions:
        `check_policy_service inet:127.0.0.1:${port}`,
    },
  });
  try {
    await waitFor("postgrey to listen", async () => {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return true;
      } catch {
        return undefined;
      }
    });
    const [deferred] = await rcpt(daemon.port, "127.0.0.2", "bob@localhost");
    assert.match(
      deferred,
      /^450 4\.2\.0 <bob@localhost>: Recipient address rejected: Greylisted, see http/,
    );
    assert.deepEqual(await rcpt(daemon.port, "127.0.0.3", "bob@localhost"), [
      "250 2.1.5 Ok",
    ]);
  } finally {
    await daemon.stop();
    postgrey.kill("SIGTERM");
    await postgrey.status;
    await Deno.remove(home, { recursive: true });
  }
});
