import assert from "node:assert/strict";
import {
  describeOsError,
  describeUserError,
} from "../../../src/cli/user_error.ts";
import { ConfigError } from "../../../src/config/config_error.ts";

Deno.test("Deno's OS error texts are said the Postfix way", () => {
  assert.equal(
    describeOsError(
      "Permission denied (os error 13): mkdir '/var/spool/mailsrv/tmp'",
    ),
    'cannot mkdir "/var/spool/mailsrv/tmp": Permission denied',
  );
  assert.equal(
    describeOsError("Not a directory (os error 20): writefile '/a/b'"),
    'cannot write "/a/b": Not a directory',
  );
  assert.equal(
    describeOsError("Not a directory (os error 20)"),
    "Not a directory",
  );
});

Deno.test("user mistakes get one line; bugs get undefined and keep their stack", () => {
  assert.equal(
    describeUserError(
      new Deno.errors.PermissionDenied(
        "Permission denied (os error 13): open '/var/log/mail.log'",
      ),
    ),
    'cannot open "/var/log/mail.log": Permission denied',
  );
  assert.equal(
    describeUserError(
      new ConfigError("unknown parameter", {
        file: "/m.toml",
        line: 3,
        key: "x",
      }),
    ),
    "/m.toml:3: x: unknown parameter",
  );
  assert.equal(describeUserError(new TypeError("x is undefined")), undefined);
  assert.equal(describeUserError(new Error("something broke")), undefined);
});
