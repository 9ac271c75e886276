/**
 * vm-pop3d 1.1.7's UIDL rule, checked against MD5s computed here from the
 * rule as read in its `extra.c` (pop3_getsizes): after the `From ` line,
 * the first 26 fgets(buf, 128) pieces are hashed, each line with the NUL
 * fgets put after its LF, a 127-byte piece of a long line as it is.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { VmPop3dUidl } from "../../../src/pop3/vm_pop3d_uidl.ts";

const encoder = new TextEncoder();
const FROM = "From alice@example.org Mon Jan  1 00:00:00 2001\n";

function md5(...parts: string[]): string {
  const hash = createHash("md5");
  for (const part of parts) hash.update(part, "latin1");
  return hash.digest("hex");
}

/** UIDLs of messages given as [separator, body] pairs, fed in one go. */
function uidlsOf(messages: Array<[string, string]>, preamble = ""): string[] {
  const uidl = new VmPop3dUidl();
  uidl.write(encoder.encode(preamble));
  const out: string[] = [];
  messages.forEach(([separator, body], i) => {
    if (i > 0) out.push(uidl.endMessage(false));
    uidl.beginMessage();
    uidl.write(encoder.encode(separator + body));
  });
  out.push(uidl.endMessage(true));
  return out;
}

Deno.test("each line is hashed with the NUL after its LF; the From line is not", () => {
  const [uidl] = uidlsOf([[FROM, "Subject: x\n\nhello\n"]]);
  assert.equal(uidl, md5("Subject: x\n\0", "\n\0", "hello\n\0"));
  assert.notEqual(uidl, md5("Subject: x\n\nhello\n"));
});

Deno.test("only the first 26 pieces after the From line count", () => {
  const lines = Array.from({ length: 40 }, (_, i) => `H${i}: v\n`);
  const [uidl] = uidlsOf([[FROM, lines.join("")]]);
  assert.equal(uidl, md5(...lines.slice(0, 26).map((l) => l + "\0")));
  const [changedLate] = uidlsOf([[FROM, lines.join("").replace("H30", "X30")]]);
  assert.equal(changedLate, uidl);
});

Deno.test("a long line counts as 127-byte pieces, each hashed without a NUL", () => {
  const long = "a".repeat(300) + "\n";
  const [uidl] = uidlsOf([[FROM, long]]);
  assert.equal(
    uidl,
    md5("a".repeat(127), "a".repeat(127), "a".repeat(46) + "\n\0"),
  );
});

Deno.test("a long From line is skipped whole", () => {
  const from = "From " + "z".repeat(300) + "\n";
  const [uidl] = uidlsOf([[from, "x\n"]]);
  assert.equal(uidl, md5("x\n\0"));
});

Deno.test("an unfinished last line is measured through stale buffer bytes", () => {
  // fgets leaves "abc\0" over "Subject: hello\n\0"; memchr finds the
  // stale LF at index 14, so 16 bytes are hashed: "abc\0ect: hello\n\0".
  const [uidl] = uidlsOf([[FROM, "Subject: hello\nabc"]]);
  assert.equal(uidl, md5("Subject: hello\n\0", "abc\0ect: hello\n\0"));
});

Deno.test("an empty message hashes nothing; the preamble is not hashed", () => {
  assert.deepEqual(uidlsOf([[FROM, ""]], "junk\n\n"), [md5()]);
});

Deno.test("messages are hashed separately", () => {
  const uidls = uidlsOf([[FROM, "one\n\n"], [FROM, "two\n"]]);
  assert.deepEqual(uidls, [md5("one\n\0", "\n\0"), md5("two\n\0")]);
});
