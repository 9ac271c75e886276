/**
 * Test harness: mail sent in the background with Python's smtplib
 * (`smtp_send.py`), so a test can act while it flows (kill a daemon or
 * its Redis once so many messages were acknowledged) and then account for
 * every message that got its 250.
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import type { SendOptions, SendResult } from "./mail.ts";

const SEND = fromFileUrl(new URL("./smtp_send.py", import.meta.url));

/** Mail being sent. */
export interface SmtpLoad {
  /** Results so far, one per finished message. */
  readonly results: readonly SendResult[];
  /** Tokens of the messages acknowledged (250) so far. */
  acknowledged(): string[];
  /** Resolves once `n` messages were acknowledged, or when the load ends. */
  whenAcknowledged(n: number): Promise<void>;
  /** Resolves with every result when the sender has finished. */
  readonly done: Promise<SendResult[]>;
}

/** Starts sending `options.count` messages over `options.threads` sessions. */
export function startSmtpLoad(
  port: number,
  sender: string,
  recipients: readonly string[],
  options: SendOptions,
): SmtpLoad {
  const args = [SEND, String(port), sender, recipients.join(",")];
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) args.push(`--${k}`, String(v));
  }
  const child = new Deno.Command("python3", {
    args,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const results: SendResult[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const acknowledged = () =>
    results.filter((r) => r.code === 250).map((r) => r.token);
  const wake = (all: boolean) => {
    const count = acknowledged().length;
    for (const w of [...waiters]) {
      if (all || count >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  let finished = false;
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        results.push(JSON.parse(buffer.slice(0, nl)));
        buffer = buffer.slice(nl + 1);
      }
      wake(false);
    }
    await child.status;
    finished = true;
    wake(true);
    return results;
  })();
  return {
    results,
    acknowledged,
    whenAcknowledged(n) {
      if (finished || acknowledged().length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    done,
  };
}
