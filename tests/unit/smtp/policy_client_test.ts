import assert from "node:assert/strict";
import {
  askPolicyServer,
  createPolicyClient,
  parsePolicyEndpoint,
} from "../../../src/smtp/policy_client.ts";
import { decodePolicyRequest } from "../../../src/policy/policy_protocol.ts";
import { rcptRequest } from "../policy/restrictions/fake_lookups.ts";
import { testConfig } from "./test_config.ts";

/** A one-shot policy server on loopback answering with `answer(request)`. */
function policyServer(answer: ((attrs: Map<string, string>) => string) | null) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const conn of listener) {
      const buffer = new Uint8Array(8192);
      let text = "";
      while (!text.includes("\n\n")) {
        const n = await conn.read(buffer);
        if (n === null) break;
        text += new TextDecoder().decode(buffer.subarray(0, n));
      }
      if (answer !== null) {
        await conn.write(
          new TextEncoder().encode(answer(decodePolicyRequest(text))),
        );
        conn.close();
      } else {
        // Never answers: the client's timeout must end the exchange.
        await conn.read(buffer).catch(() => null);
        conn.close();
      }
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    endpoint: `inet:127.0.0.1:${port}`,
    async close() {
      listener.close();
      await served.catch(() => {});
    },
  };
}

Deno.test("parsePolicyEndpoint reads inet: and unix: forms", () => {
  assert.deepEqual(parsePolicyEndpoint("inet:127.0.0.1:10023"), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 10023,
  });
  assert.deepEqual(parsePolicyEndpoint("inet:[::1]:10023"), {
    transport: "tcp",
    hostname: "::1",
    port: 10023,
  });
  assert.deepEqual(parsePolicyEndpoint("unix:/run/policy"), {
    transport: "unix",
    path: "/run/policy",
  });
  assert.equal(parsePolicyEndpoint("inet:host"), null);
  assert.equal(parsePolicyEndpoint("tcp:host:1"), null);
});

Deno.test("the policy client sends the request and returns the action", async () => {
  const server = policyServer((attrs) =>
    `action=REJECT no thanks ${attrs.get("recipient")}\n\n`
  );
  try {
    const ask = createPolicyClient(() => testConfig());
    assert.equal(
      await ask(server.endpoint, rcptRequest()),
      "REJECT no thanks bob@example.org",
    );
  } finally {
    await server.close();
  }
});

Deno.test("a silent or absent policy server gives the default action", async () => {
  const silent = policyServer(null);
  const config = testConfig({
    smtpd_policy_service_timeout: 0.2,
    smtpd_policy_service_default_action: "DEFER_IF_PERMIT policy down",
  });
  try {
    const ask = createPolicyClient(() => config);
    assert.equal(
      await ask(silent.endpoint, rcptRequest()),
      "DEFER_IF_PERMIT policy down",
    );
  } finally {
    await silent.close();
  }
  const gone = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (gone.addr as Deno.NetAddr).port;
  gone.close();
  await assert.rejects(
    askPolicyServer(`inet:127.0.0.1:${port}`, "request=x\n\n", 1000),
  );
});
