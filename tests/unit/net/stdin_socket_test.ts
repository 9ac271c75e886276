import assert from "node:assert/strict";
import { inetdClientAddress } from "../../../src/net/stdin_socket.ts";

Deno.test("the client: the socket's peer, else $TCPREMOTEIP, else $REMOTE_HOST, else unknown", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const both = env({ TCPREMOTEIP: "192.0.2.1", REMOTE_HOST: "192.0.2.2" });
  assert.equal(inetdClientAddress("10.0.0.7", both), "10.0.0.7");
  assert.equal(inetdClientAddress(undefined, both), "192.0.2.1");
  assert.equal(
    inetdClientAddress(undefined, env({ REMOTE_HOST: "::ffff:127.0.0.1" })),
    "::ffff:127.0.0.1",
  );
  assert.equal(
    inetdClientAddress(undefined, env({ TCPREMOTEIP: "" })),
    "unknown",
  );
  assert.equal(inetdClientAddress(undefined, env({})), "unknown");
});
