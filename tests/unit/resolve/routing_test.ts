/** Tests for routing.ts: the transport and nexthop of each class. */
import assert from "node:assert/strict";
import {
  KNOWN_TRANSPORTS,
  routeOf,
  type RoutingConfig,
  TRANSPORT_UNAVAILABLE,
} from "../../../src/resolve/routing.ts";

const DEFAULTS: RoutingConfig = {
  relay_transport: "relay",
  default_transport: "smtp",
  relayhost: "",
};

const transportOf = (
  addressClass: "local" | "virtual" | "relay" | "remote",
  config: RoutingConfig = DEFAULTS,
  facts = {},
) => routeOf(addressClass, "example.com", config, facts).transport;

Deno.test("routeOf: each class's own transport; the domain as nexthop", () => {
  assert.deepEqual(transportOf("local"), {
    name: "local",
    nexthop: "example.com",
  });
  assert.deepEqual(transportOf("virtual"), {
    name: "virtual",
    nexthop: "example.com",
  });
  assert.deepEqual(transportOf("relay"), {
    name: "relay",
    nexthop: "example.com",
  });
  assert.deepEqual(transportOf("remote"), {
    name: "smtp",
    nexthop: "example.com",
  });
  // Absent parameters have Postfix's defaults.
  assert.deepEqual(transportOf("relay", {}), {
    name: "relay",
    nexthop: "example.com",
  });
  assert.deepEqual(transportOf("remote", {}), {
    name: "smtp",
    nexthop: "example.com",
  });
});

Deno.test("routeOf: relayhost is the nexthop of relay and remote mail, in every form", () => {
  for (
    const relayhost of [
      "smarthost.example",
      "[smarthost.example]",
      "smarthost.example:587",
      "[smarthost.example]:587",
      "[192.0.2.1]",
      "mail1.example:587, mail2.example:587",
    ]
  ) {
    const config = { ...DEFAULTS, relayhost };
    assert.deepEqual(transportOf("remote", config), {
      name: "smtp",
      nexthop: relayhost,
    });
    assert.deepEqual(transportOf("relay", config), {
      name: "relay",
      nexthop: relayhost,
    });
    assert.equal(transportOf("local", config).nexthop, "example.com");
    assert.equal(transportOf("virtual", config).nexthop, "example.com");
  }
});

Deno.test("routeOf: nexthop precedence: transport setting, sender's relayhost, relayhost, domain", () => {
  const config = { ...DEFAULTS, relayhost: "[isp.example]" };
  const sender = { senderRelayhost: "[sender-isp.example]:587" };
  assert.equal(
    transportOf("remote", config, sender).nexthop,
    "[sender-isp.example]:587",
  );
  assert.equal(
    transportOf("relay", config, sender).nexthop,
    "[sender-isp.example]:587",
  );
  assert.equal(
    transportOf("remote", DEFAULTS, sender).nexthop,
    "[sender-isp.example]:587",
  );
  assert.equal(transportOf("local", config, sender).nexthop, "example.com");
  const written = {
    ...config,
    relay_transport: "relay:[inside.example]",
    default_transport: "smtp:[outside.example]:2525",
  };
  assert.deepEqual(transportOf("relay", written, sender), {
    name: "relay",
    nexthop: "[inside.example]",
  });
  assert.deepEqual(transportOf("remote", written, sender), {
    name: "smtp",
    nexthop: "[outside.example]:2525",
  });
  // A transport without nexthop in the setting leaves the nexthop chain.
  assert.deepEqual(
    transportOf("remote", { ...config, default_transport: "relay" }),
    { name: "relay", nexthop: "[isp.example]" },
  );
});

Deno.test("routeOf: transport_maps overrides every class", () => {
  const config = { ...DEFAULTS, relayhost: "[isp.example]" };
  const entry = (value: string) => ({ transportEntry: { key: "*", value } });
  assert.deepEqual(transportOf("local", config, entry("smtp:[10.0.0.1]:25")), {
    name: "smtp",
    nexthop: "[10.0.0.1]:25",
  });
  assert.deepEqual(transportOf("virtual", config, entry("error:5.1.1 gone")), {
    name: "error",
    nexthop: "5.1.1 gone",
  });
  assert.deepEqual(transportOf("remote", config, entry("local:")), {
    name: "local",
    nexthop: "example.com",
  });
  // "smtp:" goes to the domain's MX hosts, past relayhost.
  assert.deepEqual(transportOf("remote", config, entry("smtp:")), {
    name: "smtp",
    nexthop: "example.com",
  });
  // ":" keeps everything, relayhost included.
  assert.deepEqual(transportOf("remote", config, entry(":")), {
    name: "smtp",
    nexthop: "[isp.example]",
  });
  assert.deepEqual(transportOf("relay", config, entry(":[gw.example]")), {
    name: "relay",
    nexthop: "[gw.example]",
  });
  assert.deepEqual(transportOf("local", config, entry(":")), {
    name: "local",
    nexthop: "example.com",
  });
  assert.deepEqual(transportOf("remote", config, entry("discard:")), {
    name: "discard",
    nexthop: "example.com",
  });
  assert.deepEqual(transportOf("remote", config, entry("retry:")), {
    name: "retry",
    nexthop: "4.0.0 mail for example.com is deferred",
  });
});

Deno.test("routeOf: a transport mailsrv does not have defers 4.3.0, with a warning naming its source", () => {
  const fromMap = routeOf("remote", "example.com", DEFAULTS, {
    transportEntry: { key: ".example.com", value: "uucp:example" },
  });
  assert.deepEqual(fromMap.transport, TRANSPORT_UNAVAILABLE);
  assert.deepEqual(TRANSPORT_UNAVAILABLE, {
    name: "retry",
    nexthop: "4.3.0 mail transport unavailable",
  });
  assert.equal(
    fromMap.warning,
    'unknown mail transport "uucp" (from transport_maps entry ".example.com"): ' +
      "mail for example.com is deferred; mailsrv has local, virtual, smtp, " +
      "relay, error, discard, retry",
  );
  const fromRelay = routeOf("relay", "example.com", {
    ...DEFAULTS,
    relay_transport: "lmtp:unix:private/dovecot-lmtp",
  }, {});
  assert.deepEqual(fromRelay.transport, TRANSPORT_UNAVAILABLE);
  assert.match(fromRelay.warning ?? "", /"lmtp" \(from relay_transport\)/);
  const fromDefault = routeOf("remote", "example.com", {
    ...DEFAULTS,
    default_transport: "smtp-amavis:[127.0.0.1]:10024",
  }, {});
  assert.match(
    fromDefault.warning ?? "",
    /"smtp-amavis" \(from default_transport\)/,
  );
  for (const name of KNOWN_TRANSPORTS) {
    const known = routeOf("remote", "example.com", DEFAULTS, {
      transportEntry: { key: "*", value: `${name}:x` },
    });
    assert.equal(known.warning, undefined, name);
    assert.deepEqual(known.transport, { name, nexthop: "x" });
  }
});
