/**
 * Where smtpd's thread sends its commit notices: straight to the queue
 * manager's thread while a link to it is open (commit_links.ts), to the
 * master otherwise.
 *
 * DESCRIPTION
 *   The master links a channel when a queue manager's thread runs and
 *   undoes it (`qmgr-unlink`) when that thread is gone; without a link
 *   (none running, dormant, restarting) commits go to the master as
 *   before, which starts or wakes the queue manager. `unlink` answers
 *   only after the link's last send, so the master knows nothing more
 *   can arrive on it. Spent queue files coming back on the link go to
 *   `spares`.
 *
 *   Used by smtpd_worker.ts. Sends only what the gate announced, after
 *   its fsync; does NOT check notices (the receiver does).
 */
import type { CommitNotice, SparesNotice } from "./commit_link_protocol.ts";

/** The route of one smtpd thread. */
export interface CommitRoute {
  /** Sends the queue IDs of one turn's commits. */
  committed(ids: string[]): void;
  /** The master linked `port` to a queue manager's thread. */
  link(link: number, port: MessagePort): void;
  /**
   * The master says `link`'s queue manager is gone: later commits go to
   * the master. The thread answers `qmgr-unlinked` after this returns.
   */
  unlink(link: number): void;
  /** Whether a link is open (tests). */
  linked(): boolean;
  /** Closes the link (the thread stops). */
  close(): void;
}

/** What the route needs of its thread. */
export interface CommitRouteOptions {
  /** Sends commits to the master (`committed`). */
  readonly toMaster: (ids: string[]) => void;
  /** Takes spent queue files coming back from the queue manager. */
  readonly spares: (names: readonly string[]) => void;
}

/** Creates the route, with no link yet. */
export function createCommitRoute(options: CommitRouteOptions): CommitRoute {
  let current:
    | { readonly link: number; readonly port: MessagePort }
    | undefined;

  const drop = () => {
    if (!current) return;
    current.port.onmessage = null;
    current.port.close();
    current = undefined;
  };

  return {
    committed(ids) {
      if (!current) return options.toMaster(ids);
      const notice: CommitNotice = { kind: "committed", ids };
      current.port.postMessage(notice);
    },
    link(link, port) {
      drop();
      current = { link, port };
      port.onmessage = (event: MessageEvent<SparesNotice>) => {
        const spares: unknown = event.data?.spares;
        if (event.data?.kind === "spares" && Array.isArray(spares)) {
          options.spares(spares.filter((s) => typeof s === "string"));
        }
      };
    },
    unlink(link) {
      if (current?.link === link) drop();
    },
    linked: () => current !== undefined,
    close: drop,
  };
}
