/**
 * Test fixtures for the queue tests: a Config literal, a temporary queue
 * directory, and a sample envelope.
 */
import type { Config } from "../../../src/config/types.ts";
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
  return Object.freeze({
    configFile: null,
    homeDirectory: queueDirectory,
    myhostname: "mx.example.test",
    mydomain: "example.test",
    myorigin: "example.test",
    mydestination: ["localhost"],
    mynetworks: ["127.0.0.0/8"],
    mynetworks_style: "host",
    inet_interfaces: ["127.0.0.1"],
    queue_directory: queueDirectory,
    message_size_limit: 10_240_000,
    smtpd_recipient_limit: 1000,
    smtpd_timeout: 300,
    smtpd_banner: "mx.example.test ESMTP mailsrv",
    default_process_limit: 100,
    smtpd_forbid_bare_newline: "normalize",
    home_mailbox: "",
    mail_spool_directory: `${queueDirectory}/mail/`,
    local_recipient_maps: [],
    recipient_delimiter: "+",
    maillog_file: "",
    minimal_backoff_time: 300,
    maximal_backoff_time: 4000,
    maximal_queue_lifetime: 5 * 86400,
    queue_run_delay: 300,
    qmgr_message_active_limit: 20,
    default_destination_concurrency_limit: 20,
    listeners: [],
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
