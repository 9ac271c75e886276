/**
 * `sendmail -bs`: one SMTP session on standard input and output (Postfix's
 * smtpd in stand-alone mode).
 *
 * DESCRIPTION
 *   Mail programs that speak SMTP to a local sendmail (some MUAs, cron
 *   replacements, Python's smtplib over a pipe) run `sendmail -bs` and
 *   talk to it. The session is smtpd's own: the same pure state machine
 *   (src/smtp/session.ts) and connection adapter as the listeners, with
 *   the client `localhost` [127.0.0.1] and its replies on standard
 *   output. As in Postfix's stand-alone mode the access policies are off
 *   (the restriction lists are empty and the client is in mynetworks), so
 *   local submission may relay; recipients in local and virtual domains
 *   are still checked, so a typo gets its 550 at once.
 *
 *   Accepted messages go through the queue's gate into maildrop/, as
 *   `sendmail` without -bs writes them, with smtpd's Received: header
 *   (`from HELO (localhost [127.0.0.1]) by HOST (mailsrv) with ESMTP`);
 *   a running daemon is told to pick them up. smtpd's log lines go to
 *   the maillog (standard output is the client).
 *
 *   Needs the submission's permissions (queue_directory) plus what the
 *   recipient check reads (aliases, passwd, virtual maps).
 *
 *   Does NOT offer STARTTLS or AUTH (the client is the local user), or
 *   ETRN.
 */
import type { Config } from "../../config/types.ts";
import { closeLogging } from "../../log/maillog.ts";
import { createSmtpdVerifier } from "../../master/smtpd_verifier.ts";
import { configureLogging } from "../../master/logging.ts";
import type { Enqueue, QueueWriter } from "../../queue/enqueue.ts";
import { createEnqueue, QueueStore } from "../../queue/mod.ts";
import type { ByteStream } from "../../net/byte_stream.ts";
import { serveSmtpConnection, type SmtpDeps } from "../../smtp/server.ts";
import { notifyPickup } from "./local_submission.ts";

/** The client address of a stand-alone session, as Postfix names it. */
export const STAND_ALONE_CLIENT = "127.0.0.1";

/**
 * The configuration of a stand-alone session: access policies off, the
 * client trusted (see the module comment).
 */
export function standAloneConfig(config: Config): Config {
  return Object.freeze({
    ...config,
    mynetworks: [...config.mynetworks, "127.0.0.1/32"],
    smtpd_client_restrictions: [],
    smtpd_helo_restrictions: [],
    smtpd_sender_restrictions: [],
    smtpd_recipient_restrictions: [],
    smtpd_relay_restrictions: [
      "permit_mynetworks",
      "reject_unauth_destination",
    ],
    smtpd_data_restrictions: [],
    smtpd_end_of_data_restrictions: [],
  });
}

/** Standard input and output as one byte stream. */
export function stdioStream(): ByteStream {
  return {
    read: (buffer) => Deno.stdin.read(buffer),
    write: (bytes) => Deno.stdout.write(bytes),
    close: () => {},
  };
}

/**
 * The gate into maildrop/: each committed message is announced to a
 * running daemon (resolves once the daemon has been asked).
 */
function maildropGate(enqueue: Enqueue, queueDirectory: string): Enqueue {
  return async (envelope) => {
    const writer = await enqueue(envelope, { queue: "maildrop" });
    const committed: QueueWriter = {
      id: writer.id,
      get size() {
        return writer.size;
      },
      write: (chunk) => writer.write(chunk),
      abort: () => writer.abort(),
      commit: async () => {
        await writer.commit();
        await notifyPickup(queueDirectory);
      },
    };
    return committed;
  };
}

/**
 * Runs one SMTP session over `stream` (standard input and output).
 * @returns the exit status (0: the session ran; failures were replies)
 */
export async function runStandAloneSession(
  config: Config,
  stream: ByteStream = stdioStream(),
): Promise<number> {
  await configureLogging(config, false);
  try {
    const store = await QueueStore.open(config.queue_directory, {
      clearStaging: false,
    });
    const session = standAloneConfig(config);
    const deps: SmtpDeps = {
      config: () => session,
      enqueue: maildropGate(createEnqueue(store), config.queue_directory),
      verifyRecipient: createSmtpdVerifier(() => session),
    };
    await serveSmtpConnection(stream, deps, STAND_ALONE_CLIENT);
    return 0;
  } finally {
    await closeLogging();
  }
}
