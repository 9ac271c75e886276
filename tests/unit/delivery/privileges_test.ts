import assert from "node:assert/strict";
import type { Privileges } from "../../../src/delivery/local/local_types.ts";
import type { LookupTable } from "../../../src/maps/mod.ts";
import {
  assertNotRoot,
  asUser,
  deliveryDirectory,
  groupsModeOf,
  runAsPrefix,
  runsAsRoot,
} from "../../../src/delivery/privileges.ts";
import { DeliveryError } from "../../../src/delivery/types.ts";
import { withTempDir } from "./test_message.ts";

const BOB: Privileges = {
  user: "bob",
  uid: 1001,
  gid: 1002,
  home: "/home/bob",
  shell: "/bin/sh",
};

/** A passwd table holding `lines` (name → passwd line). */
function passwd(lines: Record<string, string>): LookupTable {
  return {
    spec: "unix:passwd.byname",
    lookup: (key) => Promise.resolve(lines[key]),
  };
}

function isRootRefusal(error: unknown): boolean {
  return error instanceof DeliveryError && error.temporary &&
    error.dsn === "4.3.0" && /^refusing to deliver as root/.test(error.message);
}

Deno.test("privileges: only uid 0 is root", () => {
  assert.equal(runsAsRoot(0), true);
  assert.equal(runsAsRoot(1000), false);
  assert.equal(runsAsRoot(null), false);
});

Deno.test("privileges: the setpriv prefix", () => {
  const prefix = asUser(BOB);
  assert.match(prefix[0], /\/setpriv$/);
  assert.deepEqual(prefix.slice(1), [
    "--reuid=1001",
    "--regid=1002",
    "--init-groups",
    "--",
  ]);
  assert.equal(asUser(BOB, "clear")[3], "--clear-groups");
});

Deno.test("privileges: never root", () => {
  const root = { ...BOB, user: "root", uid: 0 };
  assert.throws(() => assertNotRoot(root), isRootRefusal);
  assert.throws(() => asUser(root), isRootRefusal);
  assert.doesNotThrow(() => assertNotRoot({ ...BOB, gid: 0 }));
  assert.throws(() => asUser({ ...BOB, uid: -1 }), /bad uid or gid "-1"/);
});

Deno.test("privileges: groups only for users with a passwd entry", async () => {
  const table = passwd({ bob: "bob:x:1001:1002::/home/bob:/bin/sh" });
  assert.equal(await groupsModeOf(BOB, table), "init");
  assert.equal(await groupsModeOf({ ...BOB, uid: 7 }, table), "clear");
  assert.equal(await groupsModeOf({ ...BOB, user: "eve" }, table), "clear");
  const broken: LookupTable = {
    spec: "unix:passwd.byname",
    lookup: () => Promise.reject(new Error("unreadable")),
  };
  assert.equal(await groupsModeOf(BOB, broken), "clear");
});

Deno.test("privileges: the prefix depends on who we are", async () => {
  const table = passwd({});
  assert.deepEqual(await runAsPrefix(BOB, { uid: 1000, passwd: table }), []);
  assert.deepEqual(
    await runAsPrefix(undefined, { uid: 1000, passwd: table }),
    [],
  );
  const prefix = await runAsPrefix(BOB, { uid: 0, passwd: table });
  assert.deepEqual(prefix.slice(1, 4), [
    "--reuid=1001",
    "--regid=1002",
    "--clear-groups",
  ]);
  await assert.rejects(
    runAsPrefix(undefined, { uid: 0, passwd: table }),
    isRootRefusal,
  );
  await assert.rejects(
    runAsPrefix({ ...BOB, uid: 0 }, { uid: 0, passwd: table }),
    isRootRefusal,
  );
});

Deno.test("privileges: the working directory is the home, or /", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await deliveryDirectory({ ...BOB, home: dir }), dir);
    assert.equal(
      await deliveryDirectory({ ...BOB, home: `${dir}/missing` }),
      "/",
    );
    assert.equal(await deliveryDirectory({ ...BOB, home: "" }), "/");
    assert.equal(await deliveryDirectory(undefined), "/");
  });
});
