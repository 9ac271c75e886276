import assert from "node:assert/strict";
import { join } from "node:path";
import {
  closeLogging,
  maillog,
  setupLogging,
  syslogTime,
} from "../../../src/log/maillog.ts";
import {
  formatSyslogMessage,
  syslogPriority,
} from "../../../src/log/syslog_format.ts";
import { openSyslogSocket } from "../../../src/log/syslog_socket.ts";
import { logDestinations } from "../../../src/master/logging.ts";

Deno.test("syslog message: priority, time, tag and pid as glibc's syslog(3) sends them", () => {
  assert.equal(syslogPriority("mail", "info"), 22);
  assert.equal(syslogPriority("mail", "warning"), 20);
  assert.equal(syslogPriority("mail", "error"), 19);
  assert.equal(syslogPriority("mail", "fatal"), 18);
  assert.equal(syslogPriority("local3", "info"), 158);
  assert.equal(syslogPriority("kern", "fatal"), 2);
  assert.equal(
    formatSyslogMessage({
      facility: "mail",
      level: "info",
      time: "Nov  5 03:04:05",
      tag: "mailsrv/smtpd",
      pid: 4242,
      text: "5GxQ2a1bC: client=x[192.0.2.1]",
    }),
    "<22>Nov  5 03:04:05 mailsrv/smtpd[4242]: 5GxQ2a1bC: client=x[192.0.2.1]",
  );
});

/** A Unix datagram socket standing in for /dev/log. */
function fakeDevLog(dir: string): {
  path: string;
  socket: Deno.DatagramConn;
  receive(): Promise<string>;
} {
  const path = join(dir, "log");
  const socket = Deno.listenDatagram({ transport: "unixpacket", path });
  return {
    path,
    socket,
    async receive() {
      const [data] = await socket.receive();
      return new TextDecoder().decode(data);
    },
  };
}

Deno.test("syslog sink: each line is one datagram with syslog_name and syslog_facility", async () => {
  const dir = await Deno.makeTempDir();
  const devLog = fakeDevLog(dir);
  try {
    await setupLogging({
      hostname: "mx.example.test",
      stderr: false,
      name: "postfix",
      syslog: { path: devLog.path, facility: "mail" },
    });
    const before = syslogTime(Date.now());
    maillog("smtpd").info("4XyZ: client=client.example[192.0.2.7]");
    maillog("local").warning("cannot do that");
    maillog("submission/smtpd").info("connect from x[192.0.2.8]");
    const first = await devLog.receive();
    const second = await devLog.receive();
    const third = await devLog.receive();
    const after = syslogTime(Date.now());
    const time = first.slice(4, 19);
    assert.ok(time === before || time === after, first);
    assert.equal(
      first,
      `<22>${time} postfix/smtpd[${Deno.pid}]: 4XyZ: client=client.example[192.0.2.7]`,
    );
    assert.equal(
      second.replace(/^<20>.{15} /, ""),
      `postfix/local[${Deno.pid}]: warning: cannot do that`,
    );
    assert.match(
      third,
      new RegExp(
        `^<22>.{15} postfix/submission/smtpd\\[${Deno.pid}\\]: connect from x\\[192\\.0\\.2\\.8\\]$`,
      ),
    );
  } finally {
    await closeLogging();
    devLog.socket.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syslog sink: lines sent while syslogd is away are dropped, later ones arrive", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "log");
  const sink = openSyslogSocket(path);
  try {
    sink.send("<30>lost");
    await sink.idle();
    // syslogd (re)starts: the same path, a new socket.
    const devLog = fakeDevLog(dir);
    try {
      sink.send("<30>heard");
      assert.equal(await devLog.receive(), "<30>heard");
    } finally {
      devLog.socket.close();
    }
  } finally {
    await sink.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("log destinations: maillog_file wins; else syslog when its socket exists; stderr in the foreground", () => {
  const config = {
    myhostname: "mx.example.test",
    maillog_file: "",
    syslog_name: "mailsrv",
    syslog_facility: "mail" as const,
    syslog_socket: "/dev/log",
  };
  const present = () => true;
  const absent = () => false;
  assert.deepEqual(logDestinations(config, false, present), {
    hostname: "mx.example.test",
    name: "mailsrv",
    stderr: false,
    file: undefined,
    syslog: { path: "/dev/log", facility: "mail" },
  });
  assert.equal(logDestinations(config, false, absent).syslog, undefined);
  assert.equal(logDestinations(config, true, present).stderr, true);
  const withFile = logDestinations(
    { ...config, maillog_file: "/var/log/mailsrv.log" },
    false,
    present,
  );
  assert.equal(withFile.file, "/var/log/mailsrv.log");
  assert.equal(withFile.syslog, undefined);
});
