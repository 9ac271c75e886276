/**
 * pop3d's thread: every pop3 and pop3s listener, and their sessions, in a
 * Worker holding only pop3d's grants (role_permissions.ts).
 *
 * DESCRIPTION
 *   Runs with the permissions the master computes for pop3d: it reads the
 *   passwd files, reads and writes the virtual mailbox base (deletions at
 *   QUIT, locks) and the shared state; listens on its listeners and
 *   reaches Redis when the shared state is there; no queue, no outbound
 *   net, runs nothing.
 *
 *   A login is recorded for pop-before-smtp in the shared state this
 *   thread opens, where smtpd's thread looks it up (SQLite in WAL mode or
 *   Redis serve both threads, as they serve an inetd `mailsrv pop3`).
 */
import type { Config, Listener } from "../config/types.ts";
import { openSharedState } from "../policy/open_shared_state.ts";
import { popBeforeSmtpOver } from "../policy/pop_before_smtp.ts";
import { createPop3Deps } from "../pop3/deps.ts";
import { startPop3Listener } from "../pop3/server.ts";
import { serveListenerRole } from "./listener_role.ts";

serveListenerRole("pop3d", (current: () => Config) => {
  // Read at start only: a reload keeps the store this thread opened.
  // The master's own connection logs an outage, once.
  const sharedState = openSharedState(current(), null);
  const deps = createPop3Deps(current, popBeforeSmtpOver(sharedState));
  const start = (listener: Listener) => startPop3Listener(listener, deps);
  return {
    starters: { pop3: start, pop3s: start },
    close: async () => {
      // Logins of the last sessions reach the store before it closes.
      await deps.finish?.(1000);
      await sharedState.close();
    },
  };
});
