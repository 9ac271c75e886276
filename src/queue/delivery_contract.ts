/**
 * The delivery contract: what the queue manager hands a delivery agent
 * and what it gets back. It lives in the queue, so the queue never
 * imports delivery; the agents import it (through `delivery/types.ts`).
 *
 * A delivery attempt has exactly three outcomes (OpenSMTPD's
 * OK/TEMPFAIL/PERMFAIL): the recipient got the mail, try again later, or
 * give up and tell the sender.
 *
 * DSN (RFC 3461): a message carries its DSN parameters to the agent
 * (`dsn`), so the SMTP client can pass them on; a sent result says, in
 * `dsnAction`, what this system reports to a recipient that asked for
 * NOTIFY=SUCCESS — `delivered` (into a mailbox, file or command),
 * `expanded` (an alias or list: several targets), `relayed` (to a next
 * hop that did not take NOTIFY, or forwarded without it) — or nothing,
 * when the next hop took NOTIFY and reports itself.
 */
import type { DsnNotifyKeyword, DsnRet, OriginalRecipient } from "./enqueue.ts";
import type { ContentLocation } from "./queue_file_reader.ts";

/** What a sent result reports to a recipient that asked NOTIFY=SUCCESS. */
export type SuccessAction = "delivered" | "relayed" | "expanded";

/** The result of delivering one message to one recipient. */
export interface DeliveryResult {
  readonly outcome: "sent" | "deferred" | "bounced";
  /** RFC 3463 enhanced status code, e.g. `2.0.0`, `4.2.0`, `5.1.1`. */
  readonly dsn: string;
  /** Human-readable text for the maillog line, e.g. `delivered to maildir`. */
  readonly reason: string;
  /** Where it went, for the `relay=` field: `local`, `virtual`, `none`, … */
  readonly relay: string;
  /**
   * For a recipient expanded into several targets (an alias, a list, a
   * `.forward`): how each target fared, each logged on its own line with
   * the queue recipient as `orig_to=`, as Postfix's local(8) does.
   */
  readonly targets?: readonly TargetResult[];
  /**
   * Sent only: the success notice's `Action:` for a recipient with
   * NOTIFY=SUCCESS. Absent: this system sends none (the next hop took
   * the NOTIFY parameter and reports delivery itself).
   */
  readonly dsnAction?: SuccessAction;
}

/** How one target of an expanded recipient fared. */
export interface TargetResult extends Omit<DeliveryResult, "targets"> {
  /** The address logged as `to=`: the alias member, or the recipient. */
  readonly recipient: string;
}

/** The DSN parameters of a message and of one of its recipients. */
export interface DeliveryDsn {
  /** MAIL FROM RET=. */
  readonly ret?: DsnRet;
  /** MAIL FROM ENVID= (decoded; pass on with encodeXtext). */
  readonly envid?: string;
  /** RCPT TO NOTIFY= (pass on comma-joined: `SUCCESS,FAILURE`). */
  readonly notify?: readonly DsnNotifyKeyword[];
  /** RCPT TO ORCPT= (decoded; pass on with `orcptParameter`). */
  readonly orcpt?: OriginalRecipient;
}

/** One message as a delivery agent sees it. */
export interface DeliveryMessage {
  readonly queueId: string;
  /** Envelope sender ("" for the null sender). */
  readonly sender: string;
  /** Envelope recipient this delivery is for. */
  readonly recipient: string;
  /** Milliseconds since the epoch. */
  readonly arrivalTime: number;
  /** Content size in bytes (LF line ends, as queued). */
  readonly size: number;
  /** MAIL FROM BODY= type, when the client gave one. */
  readonly bodyType?: "7BIT" | "8BITMIME";
  /** Opens a fresh stream of the message content (LF line ends). */
  readonly content: () => Promise<ReadableStream<Uint8Array>>;
  /** DSN parameters of the message and this recipient, if any. */
  readonly dsn?: DeliveryDsn;
  /**
   * The attempt was asked for by a flush (`mailsrv flush`, ETRN): mail
   * for defer_transports is delivered too (Postfix QMGR_FLUSH_DFXP).
   */
  readonly flushRequested?: boolean;
  /**
   * `transport:nexthop` the message goes to instead of the recipient's own
   * route (an access map's FILTER action; Postfix's content filter).
   */
  readonly filter?: string;
  /**
   * The client that sent the message, as the queue file keeps it: for
   * XFORWARD to a content filter and pipe(8)'s ${client_…} macros.
   */
  readonly client?: MessageClient;
  /**
   * Where `content` lies in the queue file, for an agent in another
   * thread that reads the file itself (the SMTP client's Worker).
   */
  readonly source?: ContentSource;
}

/** A queued message's content as a file position (queue-format.md). */
export interface ContentSource {
  /** The queue file, in active/ while the message is delivered. */
  readonly path: string;
  readonly location: ContentLocation;
}

/** The client a message came from (queue file client_name, …). */
export interface MessageClient {
  readonly name: string;
  readonly address: string;
  readonly helo: string;
  /** `SMTP`, `ESMTP`, `LOCAL`, … */
  readonly protocol: string;
}

/** Thrown by agents; `temporary` decides defer versus bounce. */
export class DeliveryError extends Error {
  /**
   * @param message text for the maillog `status=` reason
   * @param temporary true: defer and retry; false: bounce
   * @param dsn RFC 3463 enhanced status code
   */
  constructor(
    message: string,
    readonly temporary: boolean,
    readonly dsn: string = temporary ? "4.2.0" : "5.2.0",
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** The result a DeliveryError stands for: deferred or bounced, for `relay`. */
export function failedDelivery(
  error: DeliveryError,
  relay: string,
): DeliveryResult {
  return {
    outcome: error.temporary ? "deferred" : "bounced",
    dsn: error.dsn,
    reason: error.message,
    relay,
  };
}
