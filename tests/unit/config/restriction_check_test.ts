import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/config_error.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";
import { checkListenerRestrictionLists } from "../../../src/config/restriction_check.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";

function listenerProblem(options: string): string | null {
  const { config } = parseConfig({
    file: FILE,
    text: `myhostname = "mx.example.com"\n` +
      `[[listener]]\naddress = "0.0.0.0"\nport = 25\n` +
      `[[listener]]\naddress = "127.0.0.1"\nport = 10026\n` +
      `options = { ${options} }\n`,
    homeDirectory: "/srv/home",
    system: { hostname: "mx.example.com", interfaces: [] },
  });
  try {
    checkListenerRestrictionLists(config, FILE);
    return null;
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
}

Deno.test("a listener's restriction overrides cannot open a relay", () => {
  assert.match(
    listenerProblem('smtpd_relay_restrictions = "permit"') ?? "",
    /^\/etc\/mailsrv\/mailsrv\.toml: listener 127\.0\.0\.1:10026: .*open relay/,
  );
});

Deno.test("a reinjection listener's lists are checked and accepted", () => {
  assert.equal(
    listenerProblem(
      'smtpd_recipient_restrictions = "permit_mynetworks, reject", ' +
        'smtpd_client_restrictions = ""',
    ),
    null,
  );
});

Deno.test("a misspelt restriction in a listener names the listener and the list", () => {
  assert.match(
    listenerProblem('smtpd_sender_restrictions = "reject_non_fqdn_sendr"') ??
      "",
    /listener 127\.0\.0\.1:10026: smtpd_sender_restrictions: .*reject_non_fqdn_sendr/,
  );
});
