/**
 * The master's links between smtpd's threads and the queue manager's: a
 * MessageChannel each, which the master makes and never reads.
 *
 * DESCRIPTION
 *   Relaying every commit notice and every spent queue file through the
 *   main thread cost it a tenth of a millisecond of CPU per message
 *   (bench/README.md). So while a queue manager's thread runs, each smtpd
 *   thread gets a channel to it (`qmgr-link` to smtpd, `smtpd-link` to the
 *   queue manager, both ends transferred): commits go over it
 *   (smtpd_commit_route.ts), spent queue files come back over it
 *   (qmgr_smtpd_links.ts, which checks each notice as role_notices.ts
 *   does). A new queue manager's thread links every smtpd thread; a new
 *   smtpd thread is linked to the running queue manager's.
 *
 *   When the queue manager's thread ends (retired when idle, replaced on
 *   reload, crashed, stopped) each smtpd thread is told `qmgr-unlink` and
 *   tells the master again from then on, as when there is no queue
 *   manager's thread; the master wakes or starts one as before. A commit
 *   smtpd sent before it heard that may have gone to a thread that was
 *   stopping or already dead. Such a message is durable in incoming/ (or
 *   in active/, when a stopping thread had just moved it) before its
 *   notice was sent, and smtpd answers `qmgr-unlinked` only after its last
 *   send on the link; so once the queue manager's end is gone and smtpd
 *   has answered, `recheck` looks at incoming/ and active/ and announces
 *   what waits there (waiting_commits.ts): a dormant queue manager is
 *   started, whose start-up scan of active/ and incoming/ takes them; a
 *   running one takes them from the notices (an ID it already has is
 *   dropped: its rename finds nothing). The same recheck follows an smtpd
 *   thread that ends while linked: notices it sent last may still wait on
 *   the channel the queue manager now closes.
 *
 *   Used by daemon.ts, listener_thread.ts and qmgr_thread.ts. Makes no
 *   Worker and reads no message; no I/O of its own.
 */
import type { ToListenerRole } from "./listener_protocol.ts";
import type { ToQueueManager } from "./qmgr_protocol.ts";

/** What the master tells an smtpd thread of its link. */
export type SmtpdLinkMessage = Extract<
  ToListenerRole,
  { kind: "qmgr-link" | "qmgr-unlink" }
>;

/** What the master tells the queue manager's thread of its links. */
export type QueueManagerLinkMessage = Extract<
  ToQueueManager,
  { kind: "smtpd-link" | "smtpd-unlink" }
>;

/** Posts `message` to a thread, transferring `transfer`. */
export type LinkPost<M> = (message: M, transfer?: Transferable[]) => void;

/** One smtpd thread, as the links see it. */
export interface SmtpdLinkHandle {
  /** The thread answered `qmgr-unlinked` for `link`. */
  unlinked(link: number): void;
  /** The thread has ended. */
  ended(): void;
}

/** The links of one daemon. */
export interface CommitLinks {
  /** An smtpd thread started; it is linked to a running queue manager. */
  smtpdStarted(post: LinkPost<SmtpdLinkMessage>): SmtpdLinkHandle;
  /** A queue manager's thread started: every smtpd thread is linked. */
  queueManagerStarted(post: LinkPost<QueueManagerLinkMessage>): void;
  /** The queue manager's thread is gone: every link is undone. */
  queueManagerEnded(): void;
}

/** What the links need of the daemon. */
export interface CommitLinksOptions {
  /**
   * Announces what waits in incoming/ and active/ (a link closed, and
   * notices sent on it may not have been read).
   */
  readonly recheck: () => void;
}

interface SmtpdEnd {
  readonly post: LinkPost<SmtpdLinkMessage>;
  /** Its links, and whether their queue manager's end is gone. */
  readonly links: Map<number, { queueManagerGone: boolean }>;
}

/** Creates the links of a daemon (none until both threads run). */
export function createCommitLinks(options: CommitLinksOptions): CommitLinks {
  const smtpds = new Set<SmtpdEnd>();
  let queueManager: LinkPost<QueueManagerLinkMessage> | undefined;
  let numbers = 0;

  const link = (smtpd: SmtpdEnd, to: LinkPost<QueueManagerLinkMessage>) => {
    const link = ++numbers;
    const { port1, port2 } = new MessageChannel();
    to({ kind: "smtpd-link", link, port: port1 }, [port1]);
    smtpd.post({ kind: "qmgr-link", link, port: port2 }, [port2]);
    smtpd.links.set(link, { queueManagerGone: false });
  };

  return {
    smtpdStarted(post) {
      const smtpd: SmtpdEnd = { post, links: new Map() };
      smtpds.add(smtpd);
      if (queueManager) link(smtpd, queueManager);
      return {
        unlinked(number) {
          // Only an answer to our `qmgr-unlink` counts.
          if (smtpd.links.get(number)?.queueManagerGone !== true) return;
          smtpd.links.delete(number);
          options.recheck();
        },
        ended() {
          if (!smtpds.delete(smtpd)) return;
          for (const [number, state] of smtpd.links) {
            if (!state.queueManagerGone) {
              queueManager?.({ kind: "smtpd-unlink", link: number });
            }
          }
          const hadLinks = smtpd.links.size > 0;
          smtpd.links.clear();
          if (hadLinks) options.recheck();
        },
      };
    },
    queueManagerStarted(post) {
      queueManager = post;
      for (const smtpd of smtpds) link(smtpd, post);
    },
    queueManagerEnded() {
      if (!queueManager) return;
      queueManager = undefined;
      for (const smtpd of smtpds) {
        for (const [number, state] of smtpd.links) {
          if (state.queueManagerGone) continue;
          state.queueManagerGone = true;
          smtpd.post({ kind: "qmgr-unlink", link: number });
        }
      }
    },
  };
}
