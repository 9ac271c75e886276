import assert from "node:assert/strict";
import {
  parseSendmailArgs,
  SendmailError,
} from "../../../../src/cli/sendmail/options.ts";

function refusal(args: string[]): SendmailError {
  try {
    parseSendmailArgs(args);
  } catch (error) {
    assert.ok(error instanceof SendmailError);
    return error;
  }
  assert.fail(`${args.join(" ")} was accepted`);
}

Deno.test("getopt rules: clustered flags, attached and separate values, -- and the first operand end the options", () => {
  const o = parseSendmailArgs([
    "-ti",
    "-fowner@example.org",
    "-F",
    "Owner Name",
    "-oem",
    "bob",
    "-v",
  ]);
  assert.equal(o.mode, "enqueue");
  assert.equal(o.extractRecipients, true);
  assert.equal(o.dotEndsMessage, false);
  assert.equal(o.sender, "owner@example.org");
  assert.equal(o.fullName, "Owner Name");
  assert.deepEqual(o.recipients, ["bob", "-v"]);
  assert.deepEqual(parseSendmailArgs(["-oi", "--", "-bob"]).recipients, [
    "-bob",
  ]);
  assert.equal(parseSendmailArgs(["-r", "x@y"]).sender, "x@y");
});

Deno.test("modes: -bs -bv -bp -bi -I -q -qRsite, and the invoked name's default", () => {
  assert.equal(parseSendmailArgs(["-bs"]).mode, "stand-alone");
  assert.equal(parseSendmailArgs(["-bv", "bob"]).mode, "verify");
  assert.equal(parseSendmailArgs(["-bp"]).mode, "mailq");
  assert.equal(parseSendmailArgs(["-bi"]).mode, "newaliases");
  assert.equal(parseSendmailArgs(["-I"]).mode, "newaliases");
  assert.equal(parseSendmailArgs(["-q"]).mode, "flush");
  assert.equal(parseSendmailArgs(["-q30m"]).mode, "ignore");
  assert.equal(parseSendmailArgs(["-bh"]).mode, "ignore");
  const site = parseSendmailArgs(["-qRexample.org"]);
  assert.equal(site.mode, "flush");
  assert.equal(site.flushSite, "example.org");
  assert.equal(parseSendmailArgs([], "mailq").mode, "mailq");
  assert.equal(parseSendmailArgs([], "newaliases").mode, "newaliases");
  // Later options win over the name, as with Postfix's "newaliases -bp".
  assert.equal(parseSendmailArgs(["-bp"], "newaliases").mode, "mailq");
  assert.equal(
    parseSendmailArgs(["-oA/etc/aliases", "-bi"]).aliasFile,
    "/etc/aliases",
  );
});

Deno.test("DSN and body options; bad -N -R -V values are warned about and ignored", () => {
  const o = parseSendmailArgs([
    "-N",
    "success,delay",
    "-R",
    "full",
    "-V",
    "env-1",
    "-B",
    "8BITMIME",
    "bob",
  ]);
  assert.deepEqual(o.notify, ["SUCCESS", "DELAY"]);
  assert.equal(o.ret, "FULL");
  assert.equal(o.envid, "env-1");
  assert.equal(o.bodyType, "8BITMIME");
  assert.deepEqual(parseSendmailArgs(["-Nnever", "bob"]).notify, ["NEVER"]);
  const bad = parseSendmailArgs([
    "-N",
    "never,success",
    "-Rsome",
    "-V",
    "a\u0001",
    "bob",
  ]);
  assert.equal(bad.notify, undefined);
  assert.equal(bad.ret, undefined);
  assert.equal(bad.envid, undefined);
  assert.equal(bad.warnings.length, 3);
});

Deno.test("usage errors carry EX_USAGE", () => {
  for (
    const args of [
      ["-Z"],
      ["-f"],
      ["-B", "9BIT"],
      ["-bz"],
      ["-n"],
      ["-t", "-bp"],
      ["-bp", "bob"],
      ["-bs", "bob"],
      ["-bv", "-N", "success", "bob"],
      ["-qIABC"],
      ["-XV"],
    ]
  ) {
    assert.equal(refusal(args).exitCode, 64, args.join(" "));
  }
});
