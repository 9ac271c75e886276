/**
 * The dial-up cycle with real outbound mail: while the link is down (no
 * DNS server answers) mail to the world waits and nothing bounces; after
 * ip-up rewrites resolv.conf, `mailsrv flush --wait` with the daemon
 * stopped delivers it through the MX the DNS names.
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
import { startDnsServer } from "../helpers/dns_server.ts";
import { startFakeSmtpServer } from "../helpers/fake_smtp_server.ts";

Deno.test("dial-up: link down keeps remote mail, flush --wait after ip-up delivers it by MX", async () => {
  const hop = await startFakeSmtpServer({});
  const dns = await startDnsServer({
    records: {
      "far.test": [{
        type: "MX",
        name: "far.test",
        data: { preference: 10, exchange: "mx.far.test" },
      }],
      "mx.far.test": [{ type: "A", name: "mx.far.test", data: "127.0.0.1" }],
    },
  });
  const home = await Deno.makeTempDir({ prefix: "mailsrv-dialup-" });
  const resolvConf = join(home, "resolv.conf");
  // Link down: the provider's DNS server does not answer.
  await Deno.writeTextFile(
    resolvConf,
    "nameserver 127.0.0.1:9\noptions timeout:1 attempts:1\n",
  );
  const daemon = await startDaemon({
    home,
    params: {
      resolv_conf: resolvConf,
      // The MX of far.test, at the scripted server's port.
      relayhost: `far.test:${hop.port}`,
      smtp_tls_security_level: "none",
    },
  });
  try {
    const [sent] = await sendWithSmtplib(daemon.port, "alice@localhost", [
      "bob@far.test",
    ]);
    assert.equal(sent.code, 250);
    await waitFor(
      "the deferral",
      async () =>
        (await listFiles(join(daemon.queueDirectory, "deferred"))).length ===
          1 || undefined,
    );
    assert.match(
      daemon.log(),
      /to=<bob@far\.test>, relay=none, .*dsn=4\.4\.3, status=deferred/,
    );
  } finally {
    await daemon.stop();
  }
  try {
    // ip-up: the link's DNS server is written into resolv.conf.
    await Deno.writeTextFile(
      `${resolvConf}.new`,
      `${dns.nameserverLine}\noptions timeout:5 attempts:2\n`,
    );
    await Deno.rename(`${resolvConf}.new`, resolvConf);
    const flush = await runMailsrv([
      "flush",
      "--wait",
      "--config",
      daemon.configPath,
    ]);
    assert.equal(flush.code, 0, flush.stderr);
    assert.equal(
      flush.stdout,
      "flush: 1 message: 1 sent, 0 deferred, 0 bounced\n",
    );
    assert.deepEqual(hop.messages.map((m) => m.recipients), [["bob@far.test"]]);
    assert.deepEqual(
      await listFiles(join(daemon.queueDirectory, "deferred")),
      [],
    );
    // Nothing bounced to the sender while the link was down.
    assert.deepEqual(await listFiles(join(home, "mail", "alice", "new")), []);
  } finally {
    await dns.close();
    await hop.close();
    await Deno.remove(home, { recursive: true });
  }
});
