/**
 * The rule between the mailbox limits and message_size_limit.
 *
 * DESCRIPTION
 *   Postfix's local(8) and virtual(8) refuse to run when a mailbox limit
 *   is smaller than the largest message accepted:
 *
 *     fatal: main.cf configuration error: mailbox_size_limit is smaller
 *     than message_size_limit
 *
 *   since every such message would be accepted and then bounced.
 *   `checkMailboxLimits` makes that a configuration error naming both
 *   parameters, blamed on the line of the one set in the file:
 *   mailbox_size_limit always (local delivery always runs),
 *   virtual_mailbox_limit only when virtual_mailbox_domains is set (as
 *   Postfix's virtual(8) only runs then). A limit of 0 means none.
 *
 *   Used by the config loader (`parse_config.ts`). Pure.
 */
import type { ConfigParameters } from "./parameters.ts";
import type { KeyPlace } from "./toml_layout.ts";

/** The limits compared with message_size_limit. */
type MailboxLimitName = "mailbox_size_limit" | "virtual_mailbox_limit";

/**
 * Fails when a mailbox limit in use is smaller than message_size_limit.
 * @param explicit the parameters set in the file (to blame the right line)
 * @param fail reports the problem at a key; does not return
 */
export function checkMailboxLimits(
  typed: ConfigParameters,
  explicit: ReadonlyMap<string, string>,
  fail: (reason: string, place?: KeyPlace) => never,
): void {
  const names: MailboxLimitName[] = ["mailbox_size_limit"];
  if (typed.virtual_mailbox_domains.length > 0) {
    names.push("virtual_mailbox_limit");
  }
  const message = typed.message_size_limit;
  // No message limit: nothing to compare with (Postfix checks only when
  // both are set).
  if (message === 0) return;
  for (const name of names) {
    const limit = typed[name];
    if (limit === 0 || limit >= message) continue;
    const remedy = `raise ${name} or set it to 0 (no limit)`;
    if (explicit.has(name) || !explicit.has("message_size_limit")) {
      fail(
        `${name} (${limit}) is smaller than message_size_limit ` +
          `(${message}): mail of that size would be accepted and then ` +
          `bounced; ${remedy}`,
        { key: name },
      );
    }
    fail(
      `message_size_limit (${message}) is larger than ${name} ` +
        `(${limit}): mail of that size would be accepted and then ` +
        `bounced; lower message_size_limit, or ${remedy}`,
      { key: "message_size_limit" },
    );
  }
}
