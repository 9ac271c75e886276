import assert from "node:assert/strict";
import {
  MAX_COMMITTED_IDS,
  refusedNotice,
} from "../../../src/master/role_notices.ts";
import { newQueueId } from "../../../src/queue/queue_id.ts";

Deno.test("the master passes on commit notices only for queue IDs", () => {
  const good = [newQueueId(), newQueueId()];
  assert.equal(refusedNotice({ kind: "committed", ids: good }), null);
  assert.equal(refusedNotice({ kind: "committed", ids: [] }), null);
  for (const id of ["../../home/alice/x", "", "4Yq1/../x", 42 as unknown]) {
    assert.match(
      refusedNotice({ kind: "committed", ids: [...good, id as string] }) ?? "",
      /^not a queue ID: /,
      String(id),
    );
  }
});

Deno.test("a commit notice that is not a bounded list is refused", () => {
  for (const ids of [null, "4Yq1", { 0: newQueueId() }]) {
    assert.equal(
      refusedNotice({ kind: "committed", ids: ids as unknown as string[] }),
      "not a list of queue IDs",
    );
  }
  const many = new Array(MAX_COMMITTED_IDS + 1).fill(newQueueId());
  assert.equal(
    refusedNotice({ kind: "committed", ids: many }),
    "not a list of queue IDs",
  );
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
