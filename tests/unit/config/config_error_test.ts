import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/config_error.ts";

Deno.test("ConfigError reads file:line: key: reason", () => {
  const error = new ConfigError("unknown parameter", {
    file: "/etc/mailsrv/mailsrv.toml",
    line: 7,
    key: "message_size_limt",
  });
  assert.equal(
    error.message,
    "/etc/mailsrv/mailsrv.toml:7: message_size_limt: unknown parameter",
  );
  assert.equal(error.file, "/etc/mailsrv/mailsrv.toml");
  assert.equal(error.line, 7);
  assert.equal(error.key, "message_size_limt");
  assert.equal(error.reason, "unknown parameter");
  assert.equal(error.name, "ConfigError");
});

Deno.test("ConfigError leaves out the parts it does not know", () => {
  assert.equal(
    new ConfigError("configuration file not found", { file: "/x.toml" })
      .message,
    "/x.toml: configuration file not found",
  );
  assert.equal(new ConfigError("bad", { key: "k" }).message, "k: bad");
  assert.equal(new ConfigError("bad", { file: null, key: "k" }).file, null);
  assert.equal(new ConfigError("bad").message, "bad");
});
