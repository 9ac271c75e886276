/**
 * smtpd's thread: every smtp, submission and smtps listener, and their
 * sessions, in a Worker holding only smtpd's grants (role_permissions.ts).
 *
 * DESCRIPTION
 *   Runs with the permissions the master computes for smtpd: it reads the
 *   configuration's tables and TLS files; writes only the queue's entry
 *   (tmp/, incoming/, hold/) and the shared state; listens on its
 *   listeners and connects to the DNS servers, policy services and Redis;
 *   runs nothing. Code that parses network input can do no more. SMTP
 *   AUTH's passwords are checked by the auth thread (auth_proxy.ts), which
 *   may read the password files this thread may not.
 *
 *   Messages enter the queue through this thread's own gate
 *   (queue/enqueue.ts: fsync of file and directory, group commit, before
 *   the 250). The gate does not open the queue store (which would create
 *   directories and empty tmp/: the master did that at start); it takes
 *   spare files the queue manager sends back, and the commits of each
 *   turn (a group commit's round) go as one `committed` straight to the
 *   queue manager's thread over the channel the master links while one
 *   runs, or to the master, which hands them on (smtpd_commit_route.ts).
 *   ETRN asks the master for a flush.
 *
 *   The shared state (greylist, client limits, pop-before-smtp logins
 *   recorded by pop3d) is opened here, as pop3d opens it: SQLite in WAL
 *   mode or Redis serve several users at once.
 */
import type { Config } from "../config/types.ts";
import { createFreeSpaceProbe } from "../fs/free_space.ts";
import { openSharedState } from "../policy/open_shared_state.ts";
import { popBeforeSmtpOver } from "../policy/pop_before_smtp.ts";
import { createEnqueue } from "../queue/enqueue.ts";
import { SparePool } from "../queue/spare_pool.ts";
import { batchPerTurn } from "../common/message_batch.ts";
import { type SmtpDeps, startSmtpListener } from "../smtp/server.ts";
import {
  type AuthProxy,
  createAuthProxy,
  linkThroughMaster,
} from "./auth_proxy.ts";
import { serveListenerRole, thread } from "./listener_role.ts";
import { createCommitRoute } from "./smtpd_commit_route.ts";
import { createSmtpdPolicyDeps } from "./smtpd_policy_deps.ts";
import { createSmtpdVerifier } from "./smtpd_verifier.ts";
import { join } from "node:path";

let spares: SparePool | undefined;
let auth: AuthProxy | undefined;
/** Commits go to the queue manager's thread when linked, else the master. */
const route = createCommitRoute({
  toMaster: (ids) => thread.postMessage({ kind: "committed", ids }),
  spares: (names) => {
    for (const spare of names) spares?.adopt(spare);
  },
});

serveListenerRole("smtpd", (current: () => Config) => {
  const config = current();
  const queueDirectory = config.queue_directory;
  spares = new SparePool(join(queueDirectory, "tmp"));
  const pool = spares;
  let commits = 0;
  const committed = batchPerTurn<string>(route.committed);
  const enqueue = createEnqueue({
    queueDirectory,
    takeSpare: () => pool.take(),
    announce: (id) => {
      commits++;
      committed.add(id);
    },
  });
  // Read at start only: a reload keeps the store this thread opened.
  // The master's own connection logs an outage, once.
  const sharedState = openSharedState(config, null);
  const popBeforeSmtp = popBeforeSmtpOver(sharedState);
  // SMTP AUTH's passwords are checked in the auth thread, which may read
  // the password files this thread may not.
  auth = createAuthProxy(
    linkThroughMaster((notice, transfer) =>
      thread.postMessage(notice, transfer)
    ),
    { maxIdleMs: () => current().max_idle * 1000 },
  );
  const proxy = auth;
  const deps: SmtpDeps = {
    config: current,
    enqueue,
    verifyRecipient: createSmtpdVerifier(current),
    popBeforeSmtp: (ip) =>
      popBeforeSmtp.allows(ip, current().pop_before_smtp_window),
    ...createSmtpdPolicyDeps(current, sharedState),
    // ETRN: a flush of the site's deferred mail, not waited for.
    flushSite: (site) => {
      thread.postMessage({ kind: "flush", site });
      return true;
    },
    authenticate: proxy.authenticate,
    queueFreeSpace: createFreeSpaceProbe(queueDirectory),
  };
  const start = (listener: Parameters<typeof startSmtpListener>[0]) =>
    startSmtpListener(listener, deps);
  return {
    starters: { smtp: start, submission: start, smtps: start },
    work: () => commits,
    close: () => {
      proxy.stop();
      route.close();
      return sharedState.close();
    },
  };
}, (message) => {
  if (message.kind === "spares") {
    for (const spare of message.spares) spares?.adopt(spare);
  } else if (message.kind === "qmgr-link") {
    route.link(message.link, message.port);
  } else if (message.kind === "qmgr-unlink") {
    route.unlink(message.link);
    // After the link's last send: the master may now look for the rest.
    thread.postMessage({ kind: "qmgr-unlinked", link: message.link });
  } else if (message.kind === "auth-renew") auth?.renew();
  else auth?.failed(message.generation, message.error);
});
