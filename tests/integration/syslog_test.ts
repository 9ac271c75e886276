/**
 * With no maillog_file, the daemon logs to the syslog socket: one RFC 3164
 * datagram per line, with syslog_name and syslog_facility, in the
 * foreground (`run`, stderr as well) and in the background (`start`,
 * which warns when there is no socket either). The socket is the test's
 * own, standing in for /dev/log.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

Deno.test("the daemon sends its maillog to syslog_socket when maillog_file is empty", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-syslog-" });
  const path = join(home, "devlog");
  const devLog = Deno.listenDatagram({ transport: "unixpacket", path });
  const messages: string[] = [];
  const receiving = (async () => {
    try {
      for (;;) {
        const [data] = await devLog.receive();
        messages.push(new TextDecoder().decode(data));
      }
    } catch {
      // closed
    }
  })();
  const daemon = await startDaemon({
    home,
    params: {
      maillog_file: "",
      syslog_socket: path,
      syslog_facility: "local1",
    },
  });
  let id = "";
  try {
    const [sent] = await sendWithSmtplib(
      daemon.port,
      "alice@example.test",
      ["bob@localhost"],
    );
    assert.equal(sent.code, 250, sent.reply);
    id = sent.reply.match(/queued as (\w+)/)?.[1] ?? "";
    assert.ok(id, sent.reply);
    await waitFor(
      "the removed line",
      () => messages.some((m) => m.endsWith(`: ${id}: removed`)) || undefined,
    );
  } finally {
    await daemon.stop();
    devLog.close();
    await receiving;
    await Deno.remove(home, { recursive: true });
  }
  const pid = daemon.process.pid;
  const time = String.raw`[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}`;
  const client = messages.find((m) => m.includes(`${id}: client=`));
  // local1 (17) × 8 + info (6): <142>; no host name, no newline.
  assert.match(
    client ?? "",
    new RegExp(
      `^<142>${time} mailsrv/smtpd\\[${pid}\\]: ${id}: client=localhost\\[127\\.0\\.0\\.1\\]$`,
    ),
    messages.join("\n"),
  );
  assert.ok(
    messages.some((m) =>
      new RegExp(
        `^<142>${time} mailsrv/local\\[${pid}\\]: ${id}: to=<bob@localhost>, relay=local, .*status=sent \\(delivered to maildir\\)$`,
      ).test(m)
    ),
    messages.join("\n"),
  );
  // The foreground daemon still logs to stderr as well.
  assert.match(
    daemon.log(),
    new RegExp(`mailsrv/smtpd\\[${pid}\\]: ${id}: client=`),
  );
});

Deno.test("mailsrv start: the background daemon logs to syslog, or says it will log nothing", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-syslog-" });
  const path = join(home, "devlog");
  const port = freePort();
  const configPath = join(home, "mailsrv.toml");
  const config = (socket: string) =>
    `myhostname = "mx.example.test"
mydestination = "localhost"
queue_directory = "${join(home, "queue")}"
mail_spool_directory = "${join(home, "mail")}/"
maillog_file = ""
syslog_socket = "${socket}"

[[listener]]
address = "127.0.0.1"
port = ${port}
kind = "smtp"
`;
  const devLog = Deno.listenDatagram({ transport: "unixpacket", path });
  try {
    await Deno.writeTextFile(configPath, config(path));
    const start = await runMailsrv(["start", "--config", configPath]);
    assert.equal(start.code, 0, start.stderr);
    assert.doesNotMatch(start.stderr, /logs nothing/);
    const [data] = await devLog.receive();
    assert.match(
      new TextDecoder().decode(data),
      /^<22>.{15} mailsrv\/master\[\d+\]: daemon started -- version /,
    );
    assert.equal((await runMailsrv(["stop", "--config", configPath])).code, 0);

    await Deno.writeTextFile(configPath, config(join(home, "nosocket")));
    const blind = await runMailsrv(["start", "--config", configPath]);
    assert.equal(blind.code, 0, blind.stderr);
    assert.match(
      blind.stderr,
      /^mailsrv: warning: maillog_file is empty and there is no syslog socket ".*nosocket": the daemon logs nothing$/m,
    );
  } finally {
    await runMailsrv(["stop", "--config", configPath]);
    devLog.close();
    await Deno.remove(home, { recursive: true });
  }
});
