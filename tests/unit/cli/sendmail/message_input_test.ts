import assert from "node:assert/strict";
import {
  MAX_SEGMENT,
  messageLines,
} from "../../../../src/cli/sendmail/message_input.ts";

async function lines(
  chunks: string[],
  dotEnds = true,
): Promise<Array<[string, boolean]>> {
  async function* source() {
    for (const chunk of chunks) yield new TextEncoder().encode(chunk);
  }
  const out: Array<[string, boolean]> = [];
  for await (const line of messageLines(source(), dotEnds)) {
    out.push([new TextDecoder().decode(line.bytes), line.complete]);
  }
  return out;
}

Deno.test("CRLF becomes LF, From_ lines at the start go, a lone dot ends the message", async () => {
  assert.deepEqual(
    await lines([
      "From alice Mon\r\n>From x\r\nSubj",
      "ect: a\r\n\r\nbody\r\n.\r\nlost\r\n",
    ]),
    [["Subject: a", true], ["", true], ["body", true]],
  );
});

Deno.test("-i: a lone dot is content; a last line without LF is a line", async () => {
  assert.deepEqual(await lines(["a\n.\nFrom b\nend"], false), [
    ["a", true],
    [".", true],
    ["From b", true],
    ["end", true],
  ]);
});

Deno.test("a long line comes in segments; a dot ending it is not a lone dot", async () => {
  const long = "x".repeat(2 * MAX_SEGMENT);
  const out = await lines([long, ".\nend\n"]);
  assert.deepEqual(out.map(([, complete]) => complete), [false, true, true]);
  assert.equal(out[0][0].length, MAX_SEGMENT);
  assert.equal(out[0][0] + out[1][0], long + ".");
  assert.deepEqual(out[2], ["end", true]);
});
