import assert from "node:assert/strict";
import {
  parseSharedStateAddress,
  redact,
} from "../../../src/policy/shared_state_address.ts";

Deno.test("shared_state: empty is the embedded SQLite file; sqlite:/path another", () => {
  assert.deepEqual(parseSharedStateAddress(""), {
    kind: "sqlite",
    path: undefined,
  });
  assert.deepEqual(parseSharedStateAddress("sqlite:/var/lib/s.sqlite"), {
    kind: "sqlite",
    path: "/var/lib/s.sqlite",
  });
});

Deno.test("shared_state: redis, rediss, sentinel and cluster addresses", () => {
  assert.deepEqual(parseSharedStateAddress("redis://10.0.0.5:6380/2"), {
    kind: "redis",
    nodes: [{ host: "10.0.0.5", port: 6380 }],
    master: undefined,
    db: 2,
    username: undefined,
    password: undefined,
    tls: false,
  });
  const tls = parseSharedStateAddress("rediss://mail:s%40cret@[2001:db8::1]");
  if (tls.kind !== "redis") throw new Error(`kind ${tls.kind}`);
  assert.deepEqual(tls.nodes, [{ host: "2001:db8::1", port: 6379 }]);
  assert.equal(tls.username, "mail");
  assert.equal(tls.password, "s@cret");
  assert.equal(tls.tls, true);
  const sentinel = parseSharedStateAddress(
    "redis-sentinel://:pw@s1:26380,s2/mymaster/1",
  );
  assert.deepEqual(sentinel, {
    kind: "sentinel",
    nodes: [{ host: "s1", port: 26380 }, { host: "s2", port: 26379 }],
    master: "mymaster",
    db: 1,
    username: undefined,
    password: "pw",
    tls: false,
  });
  const cluster = parseSharedStateAddress("redis-cluster://c1:7000,c2:7001");
  assert.equal(cluster.kind, "cluster");
});

Deno.test("shared_state: mistakes are named", () => {
  for (
    const [text, why] of [
      ["redis://a,b", /takes one host/],
      ["redis-sentinel://s1,s2", /master name/],
      ["redis://h/16", /0 to 15/],
      ["redis-cluster://h/1", /database 0 only/],
      ["redis://h:99999", /out of range/],
      ["memcached://h", /expected sqlite/],
      ["sqlite:relative.db", /absolute path/],
    ] as const
  ) {
    assert.throws(() => parseSharedStateAddress(text), why, text);
  }
  assert.throws(
    () => parseSharedStateAddress("redis://:secret@h/99"),
    (e: Error) => !e.message.includes("secret"),
  );
  assert.equal(redact("redis://u:secret@h:1/0"), "redis://u:***@h:1/0");
});
