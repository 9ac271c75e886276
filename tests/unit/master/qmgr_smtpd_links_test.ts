import assert from "node:assert/strict";
import { MAX_COMMITTED_IDS } from "../../../src/master/role_notices.ts";
import {
  createSmtpdLinks,
  refusedLinkNotice,
} from "../../../src/master/qmgr_smtpd_links.ts";
import { newQueueId } from "../../../src/queue/queue_id.ts";

/** The queue manager's links, recording what they pass on and refuse. */
function links() {
  const committed: string[][] = [];
  const refused: string[] = [];
  const arrived: Array<() => void> = [];
  const next = () => new Promise<void>((resolve) => arrived.push(resolve));
  const set = createSmtpdLinks({
    committed: (ids) => {
      committed.push([...ids]);
      arrived.shift()?.();
    },
    refused: (why) => {
      refused.push(why);
      arrived.shift()?.();
    },
  });
  return { set, committed, refused, next };
}

Deno.test("a link's notice is refused unless it is a commit of queue IDs", () => {
  const good = [newQueueId(), newQueueId()];
  assert.equal(refusedLinkNotice({ kind: "committed", ids: good }), null);
  for (const data of [null, "x", 42, { kind: "flush", site: "a.test" }, {}]) {
    assert.equal(refusedLinkNotice(data), "not a commit notice");
  }
  assert.match(
    refusedLinkNotice({ kind: "committed", ids: [...good, "../../etc/x"] }) ??
      "",
    /^not a queue ID: /,
  );
  assert.equal(
    refusedLinkNotice({
      kind: "committed",
      ids: new Array(MAX_COMMITTED_IDS + 1).fill(good[0]),
    }),
    "not a list of queue IDs",
  );
  assert.equal(
    refusedLinkNotice({ kind: "committed", ids: "4Yq1" }),
    "not a list of queue IDs",
  );
});

Deno.test("the queue manager acts on checked commits only; a bad batch is refused whole and logged", async () => {
  const { set, committed, refused, next } = links();
  const { port1, port2 } = new MessageChannel();
  set.linked(1, port1);
  try {
    const good = [newQueueId(), newQueueId()];
    let arrived = next();
    port2.postMessage({ kind: "committed", ids: good });
    await arrived;
    assert.deepEqual(committed, [good]);

    arrived = next();
    port2.postMessage({ kind: "committed", ids: [newQueueId(), "../../x"] });
    await arrived;
    arrived = next();
    port2.postMessage({ kind: "spares", spares: ["spare.x"] });
    await arrived;
    assert.deepEqual(committed, [good]);
    assert.equal(refused.length, 2);
    assert.match(refused[0], /^not a queue ID: "\.\.\/\.\.\/x"/);
    assert.equal(refused[1], "not a commit notice");

    // The link stays open after a refusal.
    arrived = next();
    port2.postMessage({ kind: "committed", ids: [good[0]] });
    await arrived;
    assert.deepEqual(committed, [good, [good[0]]]);
  } finally {
    set.unlinked(1);
    port2.close();
  }
  assert.equal(set.size(), 0);
});

Deno.test("spent queue files go back over the newest link, or nowhere", async () => {
  const { set } = links();
  assert.equal(set.returnSpares(["spare.a"]), false);
  const older = new MessageChannel();
  const newer = new MessageChannel();
  set.linked(1, older.port1);
  set.linked(2, newer.port1);
  try {
    const got = new Promise<unknown>((resolve) => {
      newer.port2.onmessage = (event) => resolve(event.data);
    });
    assert.equal(set.returnSpares(["spare.a", "spare.b"]), true);
    assert.deepEqual(await got, {
      kind: "spares",
      spares: ["spare.a", "spare.b"],
    });
    set.unlinked(2);
    const again = new Promise<unknown>((resolve) => {
      older.port2.onmessage = (event) => resolve(event.data);
    });
    assert.equal(set.returnSpares(["spare.c"]), true);
    assert.deepEqual(await again, { kind: "spares", spares: ["spare.c"] });
  } finally {
    set.unlinked(1);
    set.unlinked(2);
    older.port2.close();
    newer.port2.close();
  }
  assert.equal(set.returnSpares(["spare.d"]), false);
});
