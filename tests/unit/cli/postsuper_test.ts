import assert from "node:assert/strict";
import { parsePostsuperArgs } from "../../../src/cli/postsuper.ts";
import { parsePostcatArgs } from "../../../src/cli/postcat.ts";
import { idsAndQueues } from "../../../src/cli/queue.ts";
import {
  surgeryLines,
  surgeryTotalLine,
} from "../../../src/cli/surgery_text.ts";
import { UsageError } from "../../../src/cli/command.ts";

Deno.test("postsuper's flags: -h is hold, values joined or apart, queues after", () => {
  const { values, operands } = parsePostsuperArgs([
    "-h",
    "ID1",
    "-dALL",
    "-H",
    "-",
    "-ps",
    "deferred",
    "--config",
    "/x.toml",
  ]);
  assert.deepEqual(values.wanted, ["h\u0000ID1", "d\u0000ALL", "H\u0000-"]);
  assert.equal(values.purge, true);
  assert.equal(values.structure, true);
  assert.equal(values.config, "/x.toml");
  assert.deepEqual(operands, ["deferred"]);
  assert.throws(() => parsePostsuperArgs(["-d"]), UsageError);
  assert.throws(() => parsePostsuperArgs(["-x"]), UsageError);
  assert.throws(() => parsePostsuperArgs(["-d", "ALL", "nowhere"]), UsageError);
  assert.equal(parsePostsuperArgs(["--help"]).values.help, true);
});

Deno.test("postcat's flags: -q with -e, -h, -b", () => {
  const { values, operands } = parsePostcatArgs(["-qbh", "ID1", "-e"]);
  assert.deepEqual(values, {
    queue: true,
    body: true,
    headers: true,
    envelope: true,
  });
  assert.deepEqual(operands, ["ID1"]);
});

Deno.test("queue surgery operands: IDs, then queue names", () => {
  assert.deepEqual(idsAndQueues(["A", "B", "deferred", "hold"]), {
    names: ["A", "B"],
    queues: ["deferred", "hold"],
  });
  assert.deepEqual(idsAndQueues(["ALL"]), { names: ["ALL"] });
  assert.throws(() => idsAndQueues(["hold"]), UsageError);
});

Deno.test("postsuper's lines, word for word", () => {
  const report = {
    operation: "delete" as const,
    done: ["8DsBw0lSIIgfQSJ"],
    count: 1,
    invalid: ["all"],
    failed: [],
  };
  assert.deepEqual(surgeryLines(report, true), [
    "postsuper: warning: invalid mail queue id: all",
    "postsuper: 8DsBw0lSIIgfQSJ: removed",
  ]);
  assert.deepEqual(surgeryLines(report, false), [
    "postsuper: warning: invalid mail queue id: all",
  ]);
  assert.deepEqual(surgeryTotalLine("delete", 1), [
    "postsuper: Deleted: 1 message",
  ]);
  assert.deepEqual(surgeryTotalLine("hold", 2), [
    "postsuper: Placed on hold: 2 messages",
  ]);
  assert.deepEqual(surgeryTotalLine("release", 0), []);
  assert.deepEqual(surgeryTotalLine("requeue", 3), [
    "postsuper: Requeued: 3 messages",
  ]);
});
