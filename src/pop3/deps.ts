/**
 * What a POP3 service is made of in mailsrv: the vm-pop3d-style
 * authenticator (per-domain passwd files), the maildrops (mbox with
 * vm-pop3d's UIDLs and locks, or Maildir), and pop-before-smtp recording.
 * Used by the daemon (`mailsrv run`) and by `mailsrv pop3`, which calls
 * `finish` before it exits so a login's record reaches the shared state.
 */
import type { Config } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import type { PopBeforeSmtp } from "../policy/pop_before_smtp.ts";
import { createAuthenticator } from "./authenticate.ts";
import { createMaildropOpener } from "./open_maildrop.ts";
import type { Pop3Deps } from "./types.ts";
import { SharedStateUnavailable } from "../policy/shared_state.ts";
import { createPendingWork } from "../common/pending_work.ts";

/**
 * Builds the POP3 dependencies.
 * @param config the configuration in force (read at every use)
 * @param popBeforeSmtp where successful logins are recorded, if anywhere
 * @param release closes what `popBeforeSmtp` keeps open (its store)
 */
export function createPop3Deps(
  config: () => Config,
  popBeforeSmtp?: PopBeforeSmtp,
  release?: () => Promise<void>,
): Pop3Deps {
  const records = createPendingWork();
  return {
    config,
    authenticate: createAuthenticator(config),
    openMaildrop: createMaildropOpener(),
    loginSucceeded: popBeforeSmtp &&
      ((_account, client) => {
        // Never fail or delay a login over it: relaying just stays closed.
        records.track(
          popBeforeSmtp.record(client.address, config().pop_before_smtp_window)
            .catch((error) =>
              // An outage is logged once by the store itself.
              error instanceof SharedStateUnavailable ||
              maillog("pop3d").warning(
                `pop-before-smtp: cannot record ${client.address}: ${
                  (error as Error).message
                }`,
              )
            ),
        );
      }),
    async finish(limitMs) {
      const end = Date.now() + limitMs;
      if (!await records.settle(limitMs)) {
        maillog("pop3d").warning(
          `pop-before-smtp: a login was not recorded within ${limitMs} ms`,
        );
      }
      if (release) {
        const closing = createPendingWork();
        closing.track(release().catch(() => {}));
        await closing.settle(Math.max(0, end - Date.now()));
      }
    },
  };
}
