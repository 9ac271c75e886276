import assert from "node:assert/strict";
import { failedTargetNotices } from "../../../src/queue/failed_targets.ts";
import type { QueuedRecipient } from "../../../src/queue/types.ts";
import { buildBounce } from "../../../src/queue/bounce_message.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

const staff = {
  address: "staff@localhost",
  status: "pending",
  statusOffset: 0,
} as unknown as QueuedRecipient;

Deno.test("a bounce names the failed members of an expansion, never the delivered ones", () => {
  const notices = failedTargetNotices([{
    recipient: staff,
    result: {
      dsn: "5.1.3",
      reason: "unsafe",
      relay: "local",
      targets: [
        {
          recipient: "bob@localhost",
          outcome: "sent",
          dsn: "2.0.0",
          reason: "delivered to maildir",
          relay: "local",
        },
        {
          recipient: "bad@localhost",
          outcome: "bounced",
          dsn: "5.1.3",
          reason: "unsafe local part",
          relay: "local",
        },
        {
          recipient: "staff@localhost",
          outcome: "bounced",
          dsn: "5.7.1",
          reason: "mail to file is restricted",
          relay: "local",
        },
      ],
    },
  }]);
  assert.deepEqual(notices, [
    {
      recipient: "bad@localhost",
      dsn: "5.1.3",
      reason: "unsafe local part",
      relay: "local",
      expandedFrom: "staff@localhost",
      originalRecipient: { type: "rfc822", address: "staff@localhost" },
    },
    {
      recipient: "staff@localhost",
      dsn: "5.7.1",
      reason: "mail to file is restricted",
      relay: "local",
    },
  ]);
});

Deno.test("a recipient that was not expanded is named as itself", () => {
  const [notice] = failedTargetNotices([{
    recipient: staff,
    result: { dsn: "5.1.1", reason: "unknown user", relay: "local" },
  }]);
  assert.equal(notice.recipient, "staff@localhost");
  assert.equal(notice.expandedFrom, undefined);
});

Deno.test("the notice says which recipient a failed member was expanded from", () => {
  const [failure] = failedTargetNotices([{
    recipient: staff,
    result: {
      dsn: "5.1.3",
      reason: "x",
      relay: "local",
      targets: [{
        recipient: "bad@localhost",
        outcome: "bounced",
        dsn: "5.1.3",
        reason: "unsafe local part",
        relay: "local",
      }],
    },
  }]);
  const notice = buildBounce({
    envelope: {
      id: "8DsBw0lSIIgfQSJ",
      sender: "alice@localhost",
      arrivalTime: 0,
      size: 0,
    },
    failures: [failure],
    config: baseTestConfig({ myhostname: "mx.example.test" }),
    now: 0,
    queueId: "8DsBw0lSIIgfQSK",
  });
  const head = new TextDecoder().decode(notice.head);
  assert.match(
    head,
    /<bad@localhost> \(expanded from <staff@localhost>\): unsafe local part/,
  );
  assert.match(head, /Original-Recipient: rfc822; ?staff@localhost/);
  assert.match(head, /Final-Recipient: rfc822; ?bad@localhost/);
});
