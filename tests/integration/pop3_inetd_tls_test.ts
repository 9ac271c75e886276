/**
 * `mailsrv pop3 --inetd` with a certificate it cannot load: the session
 * still runs, without STLS, and the maillog says why (as Postfix's smtpd
 * goes on without STARTTLS). stderr stays quiet: under inetd it is the
 * client's socket.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { mailsrvCommand } from "../helpers/daemon.ts";

Deno.test("pop3 --inetd: an unreadable certificate is logged and STLS not offered", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-inetd-tls-" });
  try {
    const missing = join(home, "missing.pem");
    const configPath = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      configPath,
      [
        `myhostname = "mx.example.test"`,
        `queue_directory = ${JSON.stringify(join(home, "queue"))}`,
        `maillog_file = ${JSON.stringify(join(home, "maillog"))}`,
        `pop3_tls_cert_file = ${JSON.stringify(missing)}`,
      ].join("\n") + "\n",
    );
    const [cmd, ...args] = mailsrvCommand([
      "pop3",
      "--inetd",
      "--config",
      configPath,
    ]);
    const child = new Deno.Command(cmd, {
      args,
      env: { TCPREMOTEIP: "127.0.0.1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("CAPA\r\nSTLS\r\nQUIT\r\n"));
    await w.close();
    const out = await child.output();
    const dec = new TextDecoder();
    const text = dec.decode(out.stdout);
    assert.equal(out.code, 0, dec.decode(out.stderr));
    assert.equal(dec.decode(out.stderr), "");
    assert.match(text, /\r\nUSER\r\n/);
    assert.doesNotMatch(text, /\r\nSTLS\r\n/);
    assert.match(text, /\r\n-ERR STLS not available\r\n\+OK[^\r]*\r\n$/);
    const maillog = await Deno.readTextFile(join(home, "maillog"));
    assert.match(
      maillog,
      /warning: cannot read pop3_tls_cert_file ".*missing\.pem": .*: STLS is not offered/,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
