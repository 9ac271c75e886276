/**
 * The queue manager's end of its links to smtpd's threads
 * (commit_links.ts): commit notices in, spent queue files out.
 *
 * DESCRIPTION
 *   smtpd's thread parses network input; if its code were taken over, a
 *   queue "ID" such as `../../home/alice/x` would steer this thread,
 *   whose grants are wider, to a file outside the queue. So each notice
 *   is checked here exactly as the master checks the ones it relays
 *   (role_notices.ts: a commit names only well-formed queue IDs, a
 *   bounded batch); anything else is refused whole and logged, and the
 *   link stays open.
 *
 *   Spent queue files go back over the newest link (the current smtpd
 *   thread's, after a reload); with no link they go to the master.
 *
 *   A notice that arrives after the queue manager stopped is dropped: its
 *   message waits in incoming/, and the master looks there once the link
 *   is undone (commit_links.ts).
 *
 *   Used by qmgr_worker.ts.
 */
import type { CommitNotice, SparesNotice } from "./commit_link_protocol.ts";
import { refusedNotice } from "./role_notices.ts";

/** The links of the queue manager's thread. */
export interface SmtpdLinks {
  /** The master linked `port` to an smtpd thread. */
  linked(link: number, port: MessagePort): void;
  /** That smtpd thread has ended. */
  unlinked(link: number): void;
  /**
   * Sends spent queue files to the newest smtpd thread.
   * @returns false when no link is open
   */
  returnSpares(names: readonly string[]): boolean;
  /** Open links (tests). */
  size(): number;
}

/** What the links do with notices. */
export interface SmtpdLinksOptions {
  /** Queue IDs of checked commit notices. */
  readonly committed: (ids: readonly string[]) => void;
  /** Why a notice was refused (logged). */
  readonly refused: (why: string) => void;
}

/**
 * Why `data`, as it came over a link, is refused, or null for a commit
 * notice that may be acted on.
 */
export function refusedLinkNotice(data: unknown): string | null {
  if (
    typeof data !== "object" || data === null ||
    (data as { kind?: unknown }).kind !== "committed"
  ) return "not a commit notice";
  return refusedNotice(data as CommitNotice);
}

/** Creates the (empty) set of links. */
export function createSmtpdLinks(options: SmtpdLinksOptions): SmtpdLinks {
  const ports = new Map<number, MessagePort>();

  const close = (link: number) => {
    const port = ports.get(link);
    if (!port) return;
    ports.delete(link);
    port.onmessage = null;
    port.close();
  };

  return {
    linked(link, port) {
      close(link);
      ports.set(link, port);
      port.onmessage = (event: MessageEvent<unknown>) => {
        const refused = refusedLinkNotice(event.data);
        if (refused !== null) return options.refused(refused);
        options.committed((event.data as CommitNotice).ids);
      };
    },
    unlinked: close,
    returnSpares(names) {
      let newest: MessagePort | undefined;
      for (const port of ports.values()) newest = port;
      if (!newest) return false;
      const notice: SparesNotice = { kind: "spares", spares: names };
      newest.postMessage(notice);
      return true;
    },
    size: () => ports.size,
  };
}
