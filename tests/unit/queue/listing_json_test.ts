import assert from "node:assert/strict";
import {
  formatListingJson,
  jsonQuote,
} from "../../../src/queue/listing_json.ts";

Deno.test("one postqueue -j line per message, Postfix's quoting", () => {
  assert.equal(
    formatListingJson({
      id: "8DsBw0lvcKzZF9R",
      queue: "deferred",
      size: 2100,
      arrivalTime: 1700000000999,
      sender: "",
      recipients: [
        { address: "a@remote.example", reason: 'said "no"\tthen\\left' },
        { address: "b@remote.example" },
      ],
    }),
    '{"queue_name": "deferred", "queue_id": "8DsBw0lvcKzZF9R", ' +
      '"arrival_time": 1700000000, "message_size": 2100, ' +
      '"forced_expire": false, "sender": "MAILER-DAEMON", "recipients": ' +
      '[{"address": "a@remote.example", "delay_reason": ' +
      '"said \\"no\\"\\tthen\\\\left"}, {"address": "b@remote.example"}]}\n',
  );
  assert.equal(jsonQuote("\u0001é"), "\\u0001é");
});
