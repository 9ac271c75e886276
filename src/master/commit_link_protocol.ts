/**
 * Messages on a link between an smtpd thread and the queue manager's
 * (commit_links.ts): the master makes the channel and never reads it.
 *
 * smtpd's thread parses network input, so the queue manager's end checks
 * every notice before it acts on one (qmgr_smtpd_links.ts).
 */

/** From smtpd's thread: messages durable in incoming/, one turn's. */
export interface CommitNotice {
  readonly kind: "committed";
  readonly ids: readonly string[];
}

/** From the queue manager's thread: spent queue files, now `tmp/<spare>`. */
export interface SparesNotice {
  readonly kind: "spares";
  readonly spares: readonly string[];
}
