import assert from "node:assert/strict";
import {
  exitStatusResult,
  isSysexitsCode,
} from "../../../src/delivery/sysexits.ts";

Deno.test("sysexits: 0 is delivered", () => {
  assert.equal(exitStatusResult({ code: 0 }), undefined);
});

Deno.test("sysexits: Postfix's sys_exits.c table", () => {
  const expected: [number, string, boolean][] = [
    [64, "5.3.0", false],
    [65, "5.6.0", false],
    [66, "5.3.0", false],
    [67, "5.1.1", false],
    [68, "5.1.2", false],
    [69, "5.3.0", false],
    [70, "5.3.0", false],
    [71, "4.3.0", true],
    [72, "5.3.0", false],
    [73, "5.2.0", false],
    [74, "4.3.0", true],
    [75, "4.3.0", true],
    [76, "5.5.0", false],
    [77, "5.7.0", false],
    [78, "5.3.5", false],
  ];
  for (const [code, dsn, temporary] of expected) {
    const meaning = exitStatusResult({ code });
    assert.equal(meaning?.dsn, dsn, `status ${code}`);
    assert.equal(meaning?.temporary, temporary, `status ${code}`);
    assert.ok(isSysexitsCode(code));
  }
  assert.equal(exitStatusResult({ code: 67 })?.text, "user unknown");
  assert.equal(exitStatusResult({ code: 75 })?.text, "temporary failure");
});

Deno.test("sysexits: other statuses bounce 5.3.0", () => {
  for (const code of [1, 2, 63, 79, 126, 127, 255]) {
    assert.deepEqual(exitStatusResult({ code }), {
      temporary: false,
      dsn: "5.3.0",
      text: "unknown error",
    });
    assert.equal(isSysexitsCode(code), false);
  }
});

Deno.test("sysexits: a signal is temporary 4.3.0", () => {
  assert.deepEqual(exitStatusResult({ signal: "SIGKILL" }), {
    temporary: true,
    dsn: "4.3.0",
    text: "killed by SIGKILL",
  });
});
