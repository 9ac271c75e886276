/**
 * What the master accepts from a listening role's thread.
 *
 * DESCRIPTION
 *   smtpd's thread tells the master of the messages it committed (the
 *   master hands the queue IDs to the queue manager's thread, which opens
 *   `incoming/ID`) and of ETRN requests (a flush of a site's deferred
 *   mail). Those notices are input from a thread that parses network
 *   input: if its code were taken over, a queue "ID" such as
 *   `../../home/alice/x` would steer the queue manager, whose grants are
 *   wider, to a file outside the queue. So the master passes on only
 *   what has the right shape, and logs the rest.
 *
 *   Used by listener_thread.ts. Pure.
 */
import { isQueueId } from "../queue/mod.ts";
import type { FromListenerRole } from "./listener_protocol.ts";

/** A notice a listening thread sends on its own. */
type RoleNotice = Extract<FromListenerRole, { kind: "committed" | "flush" }>;

/** The longest site an ETRN may name (a domain name's limit). */
const MAX_SITE_LENGTH = 255;

/**
 * The most queue IDs one `committed` notice may carry: far more than one
 * group commit's round holds (one per session).
 */
export const MAX_COMMITTED_IDS = 100_000;

/**
 * Why `notice` is refused, or null when it may be passed on. A batch of
 * commits with one bad ID is refused whole.
 */
export function refusedNotice(notice: RoleNotice): string | null {
  if (notice.kind === "committed") {
    const ids: unknown = notice.ids;
    if (!Array.isArray(ids) || ids.length > MAX_COMMITTED_IDS) {
      return "not a list of queue IDs";
    }
    const bad = ids.find((id) => typeof id !== "string" || !isQueueId(id));
    return bad === undefined
      ? null
      : `not a queue ID: ${JSON.stringify(String(bad)).slice(0, 80)}`;
  }
  const site = notice.site;
  return typeof site === "string" && site.length <= MAX_SITE_LENGTH &&
      /^[!-~]+$/.test(site)
    ? null
    : `not a site name: ${JSON.stringify(String(site)).slice(0, 80)}`;
}
