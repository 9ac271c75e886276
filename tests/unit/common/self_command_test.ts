import assert from "node:assert/strict";
import { selfCommand, V8_FLAGS } from "../../../src/common/self_command.ts";

const denoJson = JSON.parse(
  await Deno.readTextFile(new URL("../../../deno.json", import.meta.url)),
) as { tasks: Record<string, string> };

Deno.test("mailsrv start, the start task and the release binary share the sandbox and V8 flags", () => {
  const self = selfCommand(["run"]);
  assert.ok(self.args.includes("--permission-set=mailsrv"));
  assert.ok(self.args.includes(`--v8-flags=${V8_FLAGS}`));
  for (const task of ["start", "compile"]) {
    assert.match(denoJson.tasks[task], /-P=mailsrv /, task);
    assert.ok(
      denoJson.tasks[task].includes(` --v8-flags=${V8_FLAGS} `),
      `${task} task passes --v8-flags=${V8_FLAGS}`,
    );
  }
});

Deno.test("the release binary embeds the queue manager's worker module", async () => {
  const worker = "src/master/qmgr_worker.ts";
  assert.ok(denoJson.tasks.compile.includes(`--include ${worker}`));
  await Deno.stat(new URL(`../../../${worker}`, import.meta.url));
});
