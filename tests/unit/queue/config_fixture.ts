/**
 * Test fixtures for the queue tests: a Config literal, a temporary queue
 * directory, and a sample envelope.
 */
import type { Config } from "../../../src/config/types.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import {
  QueueStore,
  type QueueStoreOptions,
} from "../../../src/queue/store.ts";
import type { NewEnvelope } from "../../../src/queue/types.ts";

/** A complete Config with small, test-friendly queue settings. */
export function testConfig(
  queueDirectory: string,
  overrides: Partial<Config> = {},
): Config {
  return baseTestConfig({
    homeDirectory: queueDirectory,
    myhostname: "mx.example.test",
    mydomain: "example.test",
    myorigin: "example.test",
    mydestination: ["localhost"],
    mynetworks: ["127.0.0.0/8"],
    queue_directory: queueDirectory,
    smtpd_banner: "mx.example.test ESMTP mailsrv",
    mail_spool_directory: `${queueDirectory}/mail/`,
    recipient_delimiter: "+",
    qmgr_message_active_limit: 20,
    ...overrides,
  });
}

/** An envelope as the SMTP server would hand it to the writer. */
export function testEnvelope(
  recipients: readonly string[] = ["bob@example.test"],
  overrides: Partial<NewEnvelope> = {},
): NewEnvelope {
  return {
    sender: "alice@example.test",
    recipients,
    clientName: "client.example.test",
    clientAddress: "192.0.2.7",
    helo: "client.example.test",
    protocol: "ESMTP",
    ...overrides,
  };
}

/** A temporary queue directory, opened; `dispose` removes it. */
export async function temporaryQueue(
  options: QueueStoreOptions = {},
): Promise<{ store: QueueStore; directory: string } & AsyncDisposable> {
  const directory = await Deno.makeTempDir({ prefix: "mailsrv-queue-" });
  const store = await QueueStore.open(directory, options);
  return {
    store,
    directory,
    [Symbol.asyncDispose]: () => Deno.remove(directory, { recursive: true }),
  };
}

/** Writes and commits a message; returns its queue ID. */
export async function enqueue(
  store: QueueStore,
  envelope: NewEnvelope = testEnvelope(),
  content = "Subject: test\n\nHello.\n",
): Promise<string> {
  const writer = await store.openWriter(envelope);
  await writer.write(new TextEncoder().encode(content));
  await writer.commit();
  return writer.id;
}

/** The names in one directory, sorted. */
export async function namesIn(directory: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(directory)) names.push(entry.name);
  return names.sort();
}
