/**
 * Test fixtures for the queue tests: a Config literal, a temporary queue
 * directory, and a sample envelope.
 */
import type { Config } from "../../../src/config/types.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import { createEnqueue, type GateOptions } from "../../../src/queue/enqueue.ts";
import {
  QueueStore,
  type QueueStoreOptions,
} from "../../../src/queue/store.ts";
import type { Enqueue, NewEnvelope } from "../../../src/queue/types.ts";

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

/**
 * A temporary queue directory, opened, with its gate; `dispose` removes
 * it. `syncDirectory` serves both the store and the gate.
 */
export async function temporaryQueue(
  options: QueueStoreOptions & GateOptions = {},
): Promise<
  { store: QueueStore; gate: Enqueue; directory: string } & AsyncDisposable
> {
  const directory = await Deno.makeTempDir({ prefix: "mailsrv-queue-" });
  const store = await QueueStore.open(directory, options);
  return {
    store,
    gate: createEnqueue(store, options),
    directory,
    [Symbol.asyncDispose]: () => Deno.remove(directory, { recursive: true }),
  };
}

/** Writes and commits a message through `gate`; returns its queue ID. */
export async function enqueue(
  gate: Enqueue,
  envelope: NewEnvelope = testEnvelope(),
  content = "Subject: test\n\nHello.\n",
): Promise<string> {
  const writer = await gate(envelope);
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
