/**
 * No role's thread may load the C library: the ffi grant would give it the
 * whole process's authority (SECURITY.md).
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../../src/config/parse_config.ts";
import {
  authThreadPermissions,
  localDeliveryThreadPermissions,
  queueManagerThreadPermissions,
  ROLE_NAMES,
  rolePermissions,
  smtpClientThreadPermissions,
  workerPermissions,
} from "../../../src/master/role_permissions.ts";

Deno.test("no role's thread may load the C library", () => {
  const config = parseConfig({
    file: "/etc/mailsrv/mailsrv.toml",
    text: `queue_directory = "/var/spool/mailsrv"\n`,
    homeDirectory: "/",
    system: { hostname: "mx.example.com", interfaces: [] },
  }).config;
  const facts = {
    nameServers: [{ address: "192.0.2.53", port: 53 }],
    homes: [],
    setpriv: "/usr/bin/setpriv",
    kill: "/usr/bin/kill",
  };
  const roles = rolePermissions(config, facts);
  for (const name of ROLE_NAMES) {
    if (name === "master") continue;
    assert.equal(workerPermissions(roles[name]).ffi, false, name);
  }
  for (
    const thread of [
      queueManagerThreadPermissions(config),
      localDeliveryThreadPermissions(config, facts),
      smtpClientThreadPermissions(config),
      authThreadPermissions(config),
    ]
  ) {
    assert.equal(workerPermissions(thread).ffi, false);
  }
});
