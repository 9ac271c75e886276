/**
 * The resolver against a DNS server the test runs on loopback: found,
 * nodata, NXDOMAIN as permanent, SERVFAIL/REFUSED/silence as temporary,
 * truncation retried over TCP, the next server after a failure, and
 * resolv.conf followed when it changes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createResolver } from "../../../src/dns/resolver.ts";
import {
  parseResolvConf,
  type ResolvConf,
  watchResolvConf,
} from "../../../src/dns/resolv_conf.ts";
import {
  startDnsServer,
  type TestDnsServer,
  type TestZone,
} from "../../helpers/dns_server.ts";

const ZONE: TestZone = {
  records: {
    "example.test": [
      {
        type: "MX",
        name: "example.test",
        data: { preference: 10, exchange: "mx.example.test" },
      },
    ],
    "mx.example.test": [{
      type: "A",
      name: "mx.example.test",
      data: "192.0.2.25",
    }],
    "www.example.test": [{
      type: "CNAME",
      name: "www.example.test",
      data: "mx.example.test",
    }],
    "big.example.test": Array.from({ length: 40 }, (_, i) => ({
      type: "A" as const,
      name: "big.example.test",
      data: `192.0.2.${i + 1}`,
    })),
  },
  nxdomain: ["gone.test"],
  servfail: ["broken.test"],
  refused: ["refused.test"],
  truncate: ["big.example.test"],
  silent: ["silent.test"],
};

function fixed(server: TestDnsServer, more: Partial<ResolvConf> = {}) {
  const conf: ResolvConf = {
    servers: [{ address: "127.0.0.1", port: server.port }],
    timeout: 2000,
    attempts: 1,
    rotate: false,
    ...more,
  };
  return () => conf;
}

async function withServer(
  fn: (server: TestDnsServer) => Promise<void>,
  zone: TestZone = ZONE,
) {
  const server = await startDnsServer(zone);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test("records found, through a CNAME chain; a name without the type is nodata", async () => {
  await withServer(async (server) => {
    const resolver = createResolver({ resolvConf: fixed(server) });
    const mx = await resolver.lookup("Example.TEST.", "MX");
    assert.equal(mx.status, "found");
    const www = await resolver.lookup("www.example.test", "A");
    assert.ok(www.status === "found");
    assert.equal(www.name, "mx.example.test");
    assert.deepEqual(www.records.map((r) => r.type === "A" && r.data), [
      "192.0.2.25",
    ]);
    assert.deepEqual(await resolver.lookup("mx.example.test", "MX"), {
      status: "nodata",
    });
  });
});

Deno.test("NXDOMAIN is permanent; SERVFAIL, REFUSED and silence are temporary", async () => {
  await withServer(async (server) => {
    const resolver = createResolver({ resolvConf: fixed(server) });
    assert.deepEqual(await resolver.lookup("gone.test", "MX"), {
      status: "nxdomain",
    });
    for (const name of ["broken.test", "refused.test", "silent.test"]) {
      const result = await resolver.lookup(name, "MX");
      assert.equal(result.status, "tempfail", name);
    }
    const silent = await resolver.lookup("silent.test", "A");
    assert.ok(silent.status === "tempfail");
    assert.match(silent.reason, /no answer from 127\.0\.0\.1:\d+/);
  });
});

Deno.test("a truncated UDP answer is asked again over TCP", async () => {
  await withServer(async (server) => {
    const resolver = createResolver({ resolvConf: fixed(server) });
    const big = await resolver.lookup("big.example.test", "A");
    assert.ok(big.status === "found");
    assert.equal(big.records.length, 40);
    assert.deepEqual(server.asked, [
      "A big.example.test/udp",
      "A big.example.test/tcp",
    ]);
  });
});

Deno.test("an unreachable server is a temporary failure; the next server is asked", async () => {
  await withServer(async (server) => {
    // Port 9 on loopback: nothing listens, UDP gets ICMP port unreachable.
    const dead = { address: "127.0.0.1", port: 9 };
    const alive = { address: "127.0.0.1", port: server.port };
    const offline = createResolver({
      resolvConf: fixed(server, { servers: [dead], attempts: 2 }),
    });
    assert.equal(
      (await offline.lookup("example.test", "MX")).status,
      "tempfail",
    );
    const fallback = createResolver({
      resolvConf: fixed(server, { servers: [dead, alive] }),
    });
    assert.equal((await fallback.lookup("example.test", "MX")).status, "found");
    // SERVFAIL from the first server: the second one answers.
    const servfailFirst = await startDnsServer({
      records: {},
      servfail: ["example.test"],
    });
    try {
      const next = createResolver({
        resolvConf: fixed(server, {
          servers: [{ address: "127.0.0.1", port: servfailFirst.port }, alive],
        }),
      });
      assert.equal((await next.lookup("example.test", "MX")).status, "found");
    } finally {
      await servfailFirst.close();
    }
  });
});

Deno.test("an answer with another id is ignored, not taken", async () => {
  await withServer(async (server) => {
    const resolver = createResolver({ resolvConf: fixed(server) });
    const result = await resolver.lookup("mx.example.test", "A");
    assert.ok(result.status === "found");
    assert.deepEqual(
      result.records.map((r) => r.type === "A" && r.data),
      ["192.0.2.25"],
    );
  }, { ...ZONE, spoof: ["mx.example.test"] });
});

Deno.test("resolv.conf: servers with ports, options, limits, defaults", () => {
  const conf = parseResolvConf(
    "# comment\nsearch example.org\nnameserver 192.0.2.1\nnameserver [::1]:5353\n" +
      "nameserver 127.0.0.1:5300\nnameserver 192.0.2.9\nnameserver bogus\n" +
      "options timeout:1 attempts:9 rotate\n",
  );
  assert.deepEqual(conf.servers, [
    { address: "192.0.2.1", port: 53 },
    { address: "::1", port: 5353 },
    { address: "127.0.0.1", port: 5300 },
  ]);
  assert.equal(conf.timeout, 1000);
  assert.equal(conf.attempts, 5);
  assert.equal(conf.rotate, true);
  assert.deepEqual(parseResolvConf("").servers, [{
    address: "127.0.0.1",
    port: 53,
  }]);
});

Deno.test("resolv.conf is followed when a link comes up and rewrites it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const up = await startDnsServer(ZONE);
    try {
      const path = join(dir, "resolv.conf");
      // Link down: the provider's server is unreachable.
      await Deno.writeTextFile(
        path,
        "nameserver 127.0.0.1:9\noptions timeout:1 attempts:1\n",
      );
      const resolver = createResolver({ resolvConf: watchResolvConf(path) });
      assert.equal(
        (await resolver.lookup("example.test", "MX")).status,
        "tempfail",
      );
      // ip-up writes the new server (a rename, as pppd's scripts do).
      await Deno.writeTextFile(`${path}.new`, `${up.nameserverLine}\n`);
      await Deno.rename(`${path}.new`, path);
      assert.equal(
        (await resolver.lookup("example.test", "MX")).status,
        "found",
      );
    } finally {
      await up.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
