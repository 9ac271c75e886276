/**
 * The Received: trace header smtpd puts on top of each message.
 *
 * DESCRIPTION
 *   `receivedHeader` writes the header as Postfix does:
 *
 *     Received: from HELO (NAME [ADDR])
 *             by MYHOSTNAME (mailsrv) with ESMTP id QUEUEID
 *             for <RCPT>; Mon, 25 Nov 2024 03:54:32 +0100
 *
 *   Under TLS a line `(using TLSv1.3 with cipher … (256/256 bits))`
 *   follows the first, and with smtpd_sasl_authenticated_header a line
 *   `(Authenticated sender: NAME)`, as Postfix writes them.
 *
 *   `for <RCPT>` appears only when the message has exactly one recipient
 *   (naming them all would disclose Bcc recipients); otherwise the date
 *   follows the queue ID on a line of its own. IPv6 client addresses are
 *   written `[IPv6:…]`. The HELO name is client input: characters other
 *   than printable ASCII become `?`.
 *
 *   Used by the smtpd adapter, which writes the header into the queue
 *   file before the content. Pure: the date and zone are passed in
 *   (written by `common/rfc5322_date.ts`).
 *
 * STANDARDS
 *   RFC 5321 section 4.4 (trace information), RFC 5322 sections 3.3
 *   (date-time with a numeric zone) and 3.6.7 (trace fields).
 *
 *   Does NOT add Return-Path:, Message-ID: or Date: (delivery and cleanup
 *   matters), and does NOT fold the header beyond its fixed lines.
 */
import { rfc5322Date } from "../common/rfc5322_date.ts";
import { printable } from "./replies.ts";

/** What the Received: header tells. */
export interface ReceivedFields {
  /** HELO/EHLO argument as the client gave it. */
  readonly helo: string;
  /** `localhost` or `unknown` (no DNS lookups yet). */
  readonly clientName: string;
  /** Client IP address. */
  readonly clientAddress: string;
  /** This host's name (`myhostname`). */
  readonly myhostname: string;
  /** `SMTP` or `ESMTP`. */
  readonly protocol: string;
  /** Queue ID of the message. */
  readonly queueId: string;
  /** Envelope recipients; named only when there is exactly one. */
  readonly recipients: readonly string[];
  /** Milliseconds since the epoch. */
  readonly date: number;
  /**
   * The TLS session as Postfix writes it (`TLSv1.3 with cipher … (256/256
   * bits)`), or absent in plaintext.
   */
  readonly tls?: string;
  /** The SASL user, named only with smtpd_sasl_authenticated_header. */
  readonly authenticatedSender?: string;
  /** Minutes east of UTC; defaults to the local zone at `date`. */
  readonly zoneOffsetMinutes?: number;
}

/** `[192.0.2.1]` or `[IPv6:2001:db8::1]`. */
function addressLiteral(address: string): string {
  return address.includes(":") ? `[IPv6:${address}]` : `[${address}]`;
}

/** The Received: header, LF line ends, folded lines starting with a tab. */
export function receivedHeader(fields: ReceivedFields): string {
  const zone = fields.zoneOffsetMinutes ??
    -new Date(fields.date).getTimezoneOffset();
  const date = rfc5322Date(fields.date, zone);
  const from = `Received: from ${
    printable(fields.helo)
  } (${fields.clientName} ${addressLiteral(fields.clientAddress)})\n${
    fields.tls === undefined ? "" : `\t(using ${fields.tls})\n`
  }${
    fields.authenticatedSender === undefined
      ? ""
      : `\t(Authenticated sender: ${printable(fields.authenticatedSender)})\n`
  }`;
  const by =
    `\tby ${fields.myhostname} (mailsrv) with ${fields.protocol} id ${fields.queueId}`;
  if (fields.recipients.length === 1) {
    return `${from}${by}\n\tfor <${fields.recipients[0]}>; ${date}\n`;
  }
  return `${from}${by};\n\t${date}\n`;
}
