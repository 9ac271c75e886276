import assert from "node:assert/strict";
import { receivedHeader } from "../../../src/smtp/received.ts";

const NOV_25_2024_025432_UTC = Date.UTC(2024, 10, 25, 2, 54, 32);

const fields = {
  helo: "client.example",
  clientName: "localhost",
  clientAddress: "127.0.0.1",
  myhostname: "mx.example.org",
  protocol: "ESMTP",
  queueId: "4ABCDEF",
  date: NOV_25_2024_025432_UTC,
  zoneOffsetMinutes: 60,
};

Deno.test("Received: names the one recipient with for <…>", () => {
  assert.equal(
    receivedHeader({ ...fields, recipients: ["u@example.org"] }),
    "Received: from client.example (localhost [127.0.0.1])\n" +
      "\tby mx.example.org (mailsrv) with ESMTP id 4ABCDEF\n" +
      "\tfor <u@example.org>; Mon, 25 Nov 2024 03:54:32 +0100\n",
  );
});

Deno.test("Received: names no recipient when there are several", () => {
  assert.equal(
    receivedHeader({ ...fields, protocol: "SMTP", recipients: ["a@x", "b@x"] }),
    "Received: from client.example (localhost [127.0.0.1])\n" +
      "\tby mx.example.org (mailsrv) with SMTP id 4ABCDEF;\n" +
      "\tMon, 25 Nov 2024 03:54:32 +0100\n",
  );
});

Deno.test("Received: tags IPv6 clients and defuses control characters in HELO", () => {
  const header = receivedHeader({
    ...fields,
    helo: "evil\rX-Injected: yes",
    clientName: "unknown",
    clientAddress: "2001:db8::1",
    recipients: ["u@x"],
  });
  assert.match(
    header,
    /^Received: from evil\?X-Injected: yes \(unknown \[IPv6:2001:db8::1\]\)\n/,
  );
  assert.equal(header.split("\n").length, 4);
});

Deno.test("Received: TLS and the authenticated sender, as Postfix writes them", () => {
  assert.equal(
    receivedHeader({
      ...fields,
      protocol: "ESMTPSA",
      recipients: ["u@example.org"],
      tls: "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
      authenticatedSender: "alice@example.org",
    }),
    "Received: from client.example (localhost [127.0.0.1])\n" +
      "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n" +
      "\t(Authenticated sender: alice@example.org)\n" +
      "\tby mx.example.org (mailsrv) with ESMTPSA id 4ABCDEF\n" +
      "\tfor <u@example.org>; Mon, 25 Nov 2024 03:54:32 +0100\n",
  );
});
