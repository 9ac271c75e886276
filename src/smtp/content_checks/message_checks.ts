/**
 * The content checks of one message, as smtpd's adapter runs them.
 *
 * DESCRIPTION
 *   `startMessageChecks` returns null when the session's configuration
 *   has no header_checks, mime_header_checks, nested_header_checks or
 *   body_checks table (or says `receive_override_options =
 *   no_header_body_checks`): the content then goes straight to the queue
 *   file, as before. Otherwise it starts an inspector
 *   (`content_inspector.ts`) whose output goes to the queue file, and
 *   logs its lines as cleanup. The adapter writes every byte of the
 *   message through `write` — the Received: header it adds too, since
 *   Postfix's cleanup checks smtpd's headers like the client's — and
 *   reads the verdict at the end of data with `finish`; a queue file
 *   write error is reported there, not thrown, so the adapter answers
 *   451/452 as for any write error.
 *
 *   Used by smtpd's connection adapter (`connection.ts`).
 */
import type { Config } from "../../config/types.ts";
import type { MapCache } from "../../maps/mod.ts";
import { maillog } from "../../log/maillog.ts";
import type { NewEnvelope } from "../../queue/enqueue.ts";
import { contentCheckTables } from "./check_tables.ts";
import {
  type ContentVerdict,
  hasContentChecks,
  inspectContent,
} from "./content_inspector.ts";

export type { ContentVerdict } from "./content_inspector.ts";
export { checkedEnvelope } from "./content_envelope.ts";

/** One message's checks. */
export interface MessageChecks {
  /** Content for the queue file, through the checks. */
  write(bytes: Uint8Array): Promise<void>;
  /** The verdict, and the first queue file write error (or null). */
  finish(): Promise<{ verdict: ContentVerdict; failure: unknown }>;
}

const cleanupLog = maillog("cleanup");

/**
 * Starts the checks for a message whose queue file `queueId` is open, or
 * returns null when there are none.
 * @param write the queue file's write
 */
export function startMessageChecks(
  config: Config,
  tables: MapCache,
  envelope: NewEnvelope,
  queueId: string,
  write: (bytes: Uint8Array) => Promise<void>,
): MessageChecks | null {
  const checkTables = contentCheckTables(config, tables);
  if (!hasContentChecks(checkTables)) return null;
  let failure: unknown = null;
  const inspector = inspectContent({
    tables: checkTables,
    headerSizeLimit: config.header_size_limit,
    bodySizeLimit: config.body_checks_size_limit,
    context: {
      queueId,
      client: `${envelope.clientName}[${envelope.clientAddress}]`,
      sender: envelope.sender,
      ...(envelope.recipients.length > 0
        ? { recipient: envelope.recipients[0] }
        : {}),
      protocol: envelope.protocol,
      helo: envelope.helo,
    },
    log: (line) => cleanupLog.info(line),
    warn: (line) => cleanupLog.warning(line),
    output: async (bytes) => {
      if (failure !== null) return;
      try {
        await write(bytes);
      } catch (e) {
        failure = e;
      }
    },
  });
  return {
    write: (bytes) => inspector.write(bytes),
    finish: async () => ({ verdict: await inspector.finish(), failure }),
  };
}
