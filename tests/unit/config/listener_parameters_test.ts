import assert from "node:assert/strict";
import {
  isListenerParameter,
  listenerConfig,
} from "../../../src/config/listener_parameters.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

Deno.test("listenerConfig lays a listener's parameters over the configuration", () => {
  const config = baseTestConfig();
  assert.equal(listenerConfig(config, { kind: "smtp" }), config);
  const submission = listenerConfig(config, {
    kind: "submission",
    smtpd: { smtpd_sasl_auth_enable: true, smtpd_timeout: 60 },
  });
  assert.equal(submission.smtpd_sasl_auth_enable, true);
  assert.equal(submission.smtpd_timeout, 60);
  assert.equal(submission.myhostname, config.myhostname);
  assert.equal(
    listenerConfig(config, { kind: "smtps" }).smtpd_tls_wrappermode,
    true,
  );
});

Deno.test("only smtpd parameters may be set in a listener", () => {
  assert.equal(isListenerParameter("smtpd_tls_security_level"), true);
  assert.equal(isListenerParameter("smtpd_relay_restrictions"), true);
  assert.equal(isListenerParameter("queue_directory"), false);
});
