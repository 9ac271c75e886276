import assert from "node:assert/strict";
import { selfCommand, V8_FLAGS } from "../../../src/common/self_command.ts";

const denoJson = JSON.parse(
  await Deno.readTextFile(new URL("../../../deno.json", import.meta.url)),
) as { tasks: Record<string, string> };

/** The Deno options of a command line, `-P=x` spelled `--permission-set=x`. */
function denoOptions(words: readonly string[]): string[] {
  return words
    .filter((w) => w.startsWith("-") && !w.startsWith("--config="))
    .map((w) => w.replace(/^-P=/, "--permission-set="))
    .sort();
}

/** The options before the script of a task or the launcher's exec line. */
function optionsOf(commandLine: string): string[] {
  const words = commandLine.trim().split(/\s+/);
  const script = words.findIndex((w) => /main\.ts"?$/.test(w));
  return denoOptions(
    words.slice(2, script).filter((w, i, all) =>
      // --include and --output take a value: compile's own business.
      !["--include", "--output"].includes(w) &&
      !["--include", "--output"].includes(all[i - 1])
    ),
  );
}

Deno.test("mailsrv start, bin/mailsrv, the start task and the release binary share the sandbox and V8 flags", async () => {
  const self = selfCommand(["run"]).args;
  const shared = denoOptions(self.slice(1, self.indexOf("run", 1)));
  assert.deepEqual(shared, [
    "--no-prompt",
    "--permission-set=mailsrv",
    "--quiet",
    `--v8-flags=${V8_FLAGS}`,
  ]);
  for (const task of ["start", "compile"]) {
    assert.deepEqual(optionsOf(denoJson.tasks[task]), shared, `${task} task`);
  }
  const launcher = (await Deno.readTextFile(
    new URL("../../../bin/mailsrv", import.meta.url),
  )).replaceAll("\\\n", " ");
  const exec = /^exec "\$deno" (.*)$/m.exec(launcher);
  assert.ok(exec, 'bin/mailsrv ends with exec "$deno" …');
  assert.deepEqual(optionsOf(`deno ${exec[1]}`), shared, "bin/mailsrv");
});

Deno.test("the release binary embeds the Worker modules", async () => {
  for (
    const worker of [
      "src/master/qmgr_worker.ts",
      "src/master/smtpd_worker.ts",
      "src/master/pop3d_worker.ts",
      "src/master/auth_worker.ts",
      "src/master/smtp_client_worker.ts",
      "src/master/one_shot_worker.ts",
    ]
  ) {
    assert.ok(denoJson.tasks.compile.includes(`--include ${worker}`), worker);
    await Deno.stat(new URL(`../../../${worker}`, import.meta.url));
  }
});
