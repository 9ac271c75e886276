/**
 * Micro benchmarks of the hot pure paths, run by `deno task bench`:
 * the DATA reader over a 4 KB message, the queue file header encode
 * and parse every message goes through, and a maillog line on its way
 * to a sink (formatted, not written). Ratios against a peer server are
 * measured by bench/compare_postfix.sh, not here.
 */
import { DotReader } from "../src/smtp/dot_reader.ts";
import {
  encodeQueueFileHeader,
  parseQueueFile,
} from "../src/queue/queue_file.ts";
import { maillog, setupLogging } from "../src/log/maillog.ts";

const line =
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\r\n";
const body = line.repeat(Math.ceil(4096 / line.length)) +
  "..dot-stuffed line\r\n.\r\n";
const message = new TextEncoder().encode(body);

Deno.bench("DotReader: 4 KB message in one chunk", () => {
  const reader = new DotReader(10_240_000);
  const out = reader.feed(message);
  if (!out.done) throw new Error("end of data not found");
});

Deno.bench("DotReader: 4 KB message in 512-byte chunks", () => {
  const reader = new DotReader(10_240_000);
  let done = false;
  for (let i = 0; i < message.length && !done; i += 512) {
    done = reader.feed(message.subarray(i, i + 512)).done;
  }
  if (!done) throw new Error("end of data not found");
});

const envelope = {
  sender: "alice@example.org",
  recipients: ["bob@example.org", "carol@example.org"],
  clientName: "localhost",
  clientAddress: "127.0.0.1",
  helo: "client.example.org",
  protocol: "ESMTP",
  bodyType: "8BITMIME" as const,
};
const header = encodeQueueFileHeader("0Vf3kq5QzAb9XyZ", Date.now(), envelope);

Deno.bench("queue file: encode header", () => {
  encodeQueueFileHeader("0Vf3kq5QzAb9XyZ", 1_764_000_000_000, envelope);
});

Deno.bench("queue file: parse header", () => {
  parseQueueFile(header.bytes, header.bytes.length);
});

let logged = 0;
await setupLogging({
  hostname: "mx.example.org",
  stderr: false,
  sink: (text) => logged += text.length,
});
const qmgr = maillog("qmgr");

Deno.bench("maillog: a queue manager line", () => {
  qmgr.info("0Vf3kq5QzAb9XyZ: from=<alice@example.org>, size=4400, nrcpt=1");
});

Deno.bench("maillog: a line with braces (through a placeholder)", () => {
  qmgr.info("0Vf3kq5QzAb9XyZ: reject: header Subject: {curly} from x");
});
