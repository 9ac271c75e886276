/**
 * The pipe transport (pipe(8)) end to end: a `[[transport]]` of kind
 * pipe named by transport_maps runs a script with argv macros expanded,
 * the envelope lines its flags ask for, dot stuffing, as `user=` when
 * mailsrv runs as root, and its exit status decides: 0 sent, 75
 * deferred, 67 bounced (sysexits); a message over `size` bounces.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  requireProgram,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";

/** Sends one message with swaks; the body has a line starting with ".". */
async function swaks(port: number, to: string, body: string) {
  const out = await new Deno.Command("swaks", {
    args: [
      "--server",
      `127.0.0.1:${port}`,
      "--from",
      "alice@example.org",
      "--to",
      to,
      "--header",
      "Subject: piped",
      "--body",
      body,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `swaks failed:\n${text}`);
}

const SCRIPT = `#!/bin/sh
# argv: OUT SENDER RECIPIENT USER EXTENSION DOMAIN NEXTHOP SIZE CLIENT
out="$1"; shift
case "$3" in
  tempfail) echo "try later" >&2; exit 75 ;;
  nosuch) echo "no such user here" >&2; exit 67 ;;
esac
{
  echo "args: $*"
  echo "uid: $(id -u)"
  echo "env-recipient: $RECIPIENT"
  echo "env-path: $PATH"
  echo "home-leak: $HOME"
  echo "--- stdin"
  cat
} > "$out/$3.out"
`;

Deno.test({
  name: "pipe transport: macros, flags, user=, exit statuses, size limit",
  ignore: !requireProgram("swaks"),
}, async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  // The script and its output directory must be reachable by `nobody`.
  const shared = await Deno.makeTempDir({ prefix: "mailsrv-pipe-" });
  await Deno.chmod(shared, 0o755);
  const out = join(shared, "out");
  await Deno.mkdir(out);
  await Deno.chmod(out, 0o777);
  const script = join(shared, "filter.sh");
  await Deno.writeTextFile(script, SCRIPT);
  await Deno.chmod(script, 0o755);
  const transports = join(home, "transport");
  await Deno.writeTextFile(
    transports,
    "piped.test pipeout:\nsmall.test small:\n",
  );
  const root = Deno.uid() === 0;
  const nobody = root
    ? Number(
      new TextDecoder().decode(
        new Deno.Command("id", { args: ["-u", "nobody"], stdout: "piped" })
          .outputSync().stdout,
      ).trim(),
    )
    : Deno.uid();
  const daemon = await startDaemon({
    home,
    params: {
      transport_maps: `hash:${transports}`,
      recipient_delimiter: "+",
    },
    extraToml: [
      "[[transport]]",
      'name = "pipeout"',
      'kind = "pipe"',
      'flags = "FRODq.X"',
      'user = "nobody"',
      `argv = "${script} ${out} \${sender} \${recipient} \${user} \${extension} \${domain} \${nexthop} \${size} \${client_address}"`,
      "",
      "[[transport]]",
      'name = "small"',
      'kind = "pipe"',
      'user = "nobody"',
      "size = 100",
      `argv = ["${script}", "${out}", "\${sender}", "\${recipient}", "\${user}"]`,
    ].join("\n"),
  });
  try {
    await swaks(daemon.port, "Bob+box@piped.test", "line one\n.leading dot");
    await swaks(daemon.port, "tempfail@piped.test", "x");
    await swaks(daemon.port, "nosuch@piped.test", "x");
    await swaks(daemon.port, "big@small.test", "x".repeat(400));
    // The command has finished (and written all it writes) once the
    // delivery is logged.
    await waitFor(
      "the pipe delivery to finish",
      () =>
        /to=<Bob\+box@piped\.test>.*status=sent/.test(daemon.log()) ||
        undefined,
    );
    const text = await Deno.readTextFile(join(out, "Bob.out"));
    assert.match(
      text,
      /^args: alice@example\.org Bob\+box@piped\.test Bob box piped\.test piped\.test \d+ 127\.0\.0\.1$/m,
    );
    assert.match(text, new RegExp(`^uid: ${nobody}$`, "m"));
    assert.match(text, /^env-recipient: Bob\+box@piped\.test$/m);
    assert.match(text, /^env-path: \/usr\/bin:\/bin$/m);
    assert.match(text, /^home-leak: $/m, "no daemon environment leaks");
    const stdin = text.split("--- stdin\n")[1];
    assert.match(
      stdin,
      /^From alice@example\.org \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\nReturn-Path: <alice@example\.org>\nX-Original-To: Bob\+box@piped\.test\nDelivered-To: Bob\+box@piped\.test\nReceived: /,
    );
    assert.match(stdin, /^\.\.leading dot$/m, "dot stuffed (flag .)");
    const log = () => daemon.log();
    await waitFor(
      "the four outcomes",
      () =>
        /to=<big@small\.test>.*status=bounced/.test(log()) &&
          /to=<nosuch@piped\.test>.*status=bounced/.test(log()) &&
          /to=<tempfail@piped\.test>.*status=deferred/.test(log()) &&
          /to=<Bob\+box@piped\.test>.*status=sent/.test(log())
          ? true
          : undefined,
    );
    assert.match(
      log(),
      /to=<Bob\+box@piped\.test>, relay=pipeout, .*dsn=2\.0\.0, status=sent \(delivered via pipeout service\)/,
    );
    assert.match(
      log(),
      /to=<tempfail@piped\.test>, relay=pipeout, .*dsn=4\.3\.0, status=deferred \(Command died with status 75 \(temporary failure\): ".*". Command output: try later\)/,
    );
    assert.match(
      log(),
      /to=<nosuch@piped\.test>, relay=pipeout, .*dsn=5\.1\.1, status=bounced \(Command died with status 67 \(user unknown\): ".*". Command output: no such user here\)/,
    );
    assert.match(
      log(),
      /to=<big@small\.test>, relay=small, .*dsn=5\.2\.3, status=bounced \(message file too big\)/,
    );
    const check = await runMailsrv(["queue", "--config", daemon.configPath]);
    assert.match(check.stdout, /tempfail@piped\.test/);
  } finally {
    await daemon.stop();
    await Deno.remove(shared, { recursive: true });
  }
});
