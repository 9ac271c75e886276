/**
 * smtpd_junk_command_limit through the pure session: NOOP, VRFY, ETRN and
 * RSET past the limit count as errors, so smtpd_hard_error_limit ends a
 * session kept alive with them; the stress-adaptive settings make both 1.
 */
import assert from "node:assert/strict";
import { connected } from "./session_driver.ts";
import { stressAdapted } from "../../../src/smtp/stress.ts";
import { testConfig } from "./test_config.ts";

Deno.test("junk commands past smtpd_junk_command_limit count as errors", () => {
  const s = connected({
    smtpd_junk_command_limit: 2,
    smtpd_hard_error_limit: 2,
  });
  // Postfix: junk_cmds++ > limit; the 4th and 5th junk commands add errors.
  for (const line of ["NOOP", "RSET", "NOOP"]) {
    assert.deepEqual(s.command(line), ["250 2.0.0 Ok"]);
  }
  assert.equal(s.session.errors, 0);
  assert.deepEqual(s.command("NOOP"), ["250 2.0.0 Ok"]);
  assert.equal(s.session.errors, 1);
  assert.deepEqual(s.command("RSET"), [
    "250 2.0.0 Ok",
    "421 4.7.0 mx.example.org Error: too many errors",
  ]);
  assert.equal(s.session.phase, "closed");
});

Deno.test("other commands are not junk", () => {
  const s = connected({ smtpd_junk_command_limit: 1 });
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(s.command("HELO client.example"), [
      "250 mx.example.org",
    ]);
  }
  assert.equal(s.session.errors, 0);
});

Deno.test("stress-adaptive settings: the stricter of the normal and the stress values", () => {
  const stressed = stressAdapted(testConfig());
  assert.equal(stressed.smtpd_timeout, 10);
  assert.equal(stressed.smtpd_hard_error_limit, 1);
  assert.equal(stressed.smtpd_junk_command_limit, 1);
  const strict = stressAdapted(testConfig({ smtpd_timeout: 5 }));
  assert.equal(strict.smtpd_timeout, 5);
  // Under stress the third NOOP ends the session (Postfix's ${stress?{1}…}).
  const s = connected(stressed);
  assert.deepEqual(s.command("NOOP"), ["250 2.0.0 Ok"]);
  assert.deepEqual(s.command("NOOP"), ["250 2.0.0 Ok"]);
  assert.deepEqual(s.command("NOOP"), [
    "250 2.0.0 Ok",
    "421 4.7.0 mx.example.org Error: too many errors",
  ]);
});
