import assert from "node:assert/strict";
import { masterCfLines } from "../../../src/config/master_cf_lines.ts";

Deno.test("masterCfLines writes each listener as a postconf -M line", () => {
  assert.deepEqual(
    masterCfLines([
      { address: "0.0.0.0", port: 25, kind: "smtp" },
      { address: "::", port: 465, kind: "smtps" },
      {
        address: "::1",
        port: 2525,
        kind: "smtp",
        smtpd: { smtpd_timeout: 120 },
      },
      { address: "192.0.2.1", port: 995, kind: "pop3s" },
      {
        address: "0.0.0.0",
        port: 587,
        kind: "submission",
        smtpd: {
          smtpd_relay_restrictions: ["permit_sasl_authenticated", "reject"],
          smtpd_banner: "$myhostname submission",
        },
      },
    ]),
    [
      "smtp       inet  n       -       n       -       -       smtpd",
      "smtps      inet  n       -       n       -       -       smtpd -o smtpd_tls_wrappermode=yes",
      "[::1]:2525 inet  n       -       n       -       -       smtpd -o smtpd_timeout=120",
      "192.0.2.1:995 inet n     -       n       -       -       pop3d",
      "submission inet  n       -       n       -       -       smtpd -o smtpd_relay_restrictions=permit_sasl_authenticated,reject -o {smtpd_banner=$myhostname submission}",
    ],
  );
});
