import assert from "node:assert/strict";
import {
  noEffectNotice,
  noEffectWarnings,
} from "../../../src/config/no_effect.ts";
import {
  type Parameter,
  parameterNamed,
} from "../../../src/config/parameters.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";

const SYSTEM = { hostname: "mx.example.com", interfaces: [] };

function viewOf(text: string) {
  return parseConfig({
    file: "/etc/mailsrv/mailsrv.toml",
    text,
    homeDirectory: "/",
    system: SYSTEM,
  }).view;
}

const BIFF: Parameter = {
  name: "biff",
  kind: "boolean",
  defaultValue: "yes",
  noEffect: "mailsrv never notifies a biff service",
  description: "Whether the local delivery agent notifies biff.",
};

/** The real table, with smtpd_banner standing in for a no-effect row. */
function lookup(name: string): Parameter | undefined {
  const parameter = parameterNamed(name);
  return name === "smtpd_banner" && parameter
    ? { ...parameter, noEffect: "a stand-in reason" }
    : parameter;
}

Deno.test("a no-effect row says so and why", () => {
  assert.equal(
    noEffectNotice(BIFF),
    "biff has no effect in mailsrv: mailsrv never notifies a biff service",
  );
  const banner = parameterNamed("smtpd_banner");
  assert.ok(banner);
  assert.equal(noEffectNotice(banner), undefined);
});

Deno.test("postconf warns about no-effect parameters set or named, once", () => {
  const notice = "smtpd_banner has no effect in mailsrv: a stand-in reason";
  assert.deepEqual(
    noEffectWarnings(viewOf('smtpd_banner = "hi"\n'), [], lookup),
    [notice],
  );
  assert.deepEqual(
    noEffectWarnings(viewOf('smtpd_banner = "hi"\n'), ["smtpd_banner"], lookup),
    [notice],
  );
  assert.deepEqual(noEffectWarnings(viewOf(""), ["smtpd_banner"], lookup), [
    notice,
  ]);
  assert.deepEqual(noEffectWarnings(viewOf(""), [], lookup), []);
  assert.deepEqual(
    noEffectWarnings(viewOf('myhostname = "a.example"\n'), ["nosuch"], lookup),
    [],
  );
});
