import assert from "node:assert/strict";
import { createCommitRoute } from "../../../src/master/smtpd_commit_route.ts";

/** smtpd's route, recording what goes to the master and what comes back. */
function route() {
  const toMaster: string[][] = [];
  const spares: string[][] = [];
  let sparesArrived = () => {};
  const r = createCommitRoute({
    toMaster: (ids) => void toMaster.push(ids),
    spares: (names) => {
      spares.push([...names]);
      sparesArrived();
    },
  });
  const nextSpares = () =>
    new Promise<void>((resolve) => sparesArrived = resolve);
  return { r, toMaster, spares, nextSpares };
}

Deno.test("without a link smtpd's commits go to the master", () => {
  const { r, toMaster } = route();
  assert.equal(r.linked(), false);
  r.committed(["4Yq1aaaaaaaaaaaa"]);
  assert.deepEqual(toMaster, [["4Yq1aaaaaaaaaaaa"]]);
});

Deno.test("linked, commits go over the channel; unlinked, to the master again", async () => {
  const { r, toMaster, spares, nextSpares } = route();
  const { port1, port2 } = new MessageChannel();
  r.link(7, port2);
  try {
    assert.equal(r.linked(), true);
    const got = new Promise<unknown>((resolve) => {
      port1.onmessage = (event) => resolve(event.data);
    });
    r.committed(["a", "b"]);
    assert.deepEqual(await got, { kind: "committed", ids: ["a", "b"] });
    assert.deepEqual(toMaster, []);

    // Spent queue files come back over the same channel.
    const arrived = nextSpares();
    port1.postMessage({ kind: "spares", spares: ["spare.a", 3] });
    await arrived;
    assert.deepEqual(spares, [["spare.a"]]);

    // Another link's end changes nothing; this one's sends to the master.
    r.unlink(6);
    assert.equal(r.linked(), true);
    r.unlink(7);
    assert.equal(r.linked(), false);
    r.committed(["c"]);
    assert.deepEqual(toMaster, [["c"]]);
  } finally {
    r.close();
    port1.close();
  }
});
