import assert from "node:assert/strict";
import { refusedNotice } from "../../../src/master/role_notices.ts";
import { newQueueId } from "../../../src/queue/queue_id.ts";

Deno.test("the master passes on a commit notice only for a queue ID", () => {
  assert.equal(refusedNotice({ kind: "committed", id: newQueueId() }), null);
  for (const id of ["../../home/alice/x", "", "4Yq1/../x", 42 as unknown]) {
    assert.match(
      refusedNotice({ kind: "committed", id: id as string }) ?? "",
      /^not a queue ID: /,
      String(id),
    );
  }
});

Deno.test("the master passes on an ETRN flush only for a site name", () => {
  assert.equal(refusedNotice({ kind: "flush", site: "example.org" }), null);
  assert.equal(refusedNotice({ kind: "flush", site: "[192.0.2.1]" }), null);
  for (const site of ["", "a b", "x\r\ny", "a".repeat(256), null]) {
    assert.match(
      refusedNotice({ kind: "flush", site: site as string }) ?? "",
      /^not a site name: /,
    );
  }
});
