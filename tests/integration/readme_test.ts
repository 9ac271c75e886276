/**
 * The README's commands run from the checkout as written: every
 * `bin/mailsrv …` line of its shell examples is a valid command line (run
 * with --help, so nothing is changed), none calls a bare `mailsrv`, and
 * the queue IDs of its maillog sample are real ones.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { isQueueId } from "../../src/queue/queue_id.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const README = await Deno.readTextFile(join(ROOT, "README.md"));

/** The lines of the README's ```sh blocks. */
function shellLines(): string[] {
  return [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)]
    .flatMap((block) => block[1].split("\n"))
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

Deno.test("the README's shell examples call bin/mailsrv, never a bare mailsrv", () => {
  const lines = shellLines();
  assert.ok(lines.some((line) => line.includes("bin/mailsrv ")));
  for (const line of lines) {
    assert.doesNotMatch(line, /(^|[|;&]\s*)mailsrv /, line);
  }
});

Deno.test("every bin/mailsrv command line of the README is accepted", async () => {
  const commands = shellLines()
    .flatMap((line) => [...line.matchAll(/(?:^|\| )bin\/mailsrv ([^#|]*)/g)])
    .map((m) => m[1].trim().split(/\s+/));
  assert.ok(commands.length >= 5, `found ${commands.length}`);
  for (const args of commands) {
    const out = await new Deno.Command(join(ROOT, "bin", "mailsrv"), {
      args: [...args, "--help"],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `bin/mailsrv ${args.join(" ")}: ${stderr}`);
    assert.equal(stderr, "", `bin/mailsrv ${args.join(" ")}`);
  }
});

Deno.test("the README's maillog sample has real queue IDs", () => {
  const ids = [...README.matchAll(/ mailsrv\/\w+\[\d+\]: (\w+): /g)].map((m) =>
    m[1]
  );
  assert.ok(ids.length >= 3);
  for (const id of ids) assert.ok(isQueueId(id), `"${id}" is a queue ID`);
});
