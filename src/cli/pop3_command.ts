/**
 * `mailsrv pop3` with its dependencies: the POP3 server's mail access,
 * and the shared state where POP-before-SMTP records logins.
 */
import type { Command } from "./command.ts";
import { createPop3Command } from "./pop3.ts";
import { createPop3Deps } from "../pop3/deps.ts";
import { popBeforeSmtpOver } from "../policy/pop_before_smtp.ts";
import { openSharedState } from "../policy/open_shared_state.ts";

/** `mailsrv pop3`, as the command table and light_main.ts load it. */
export const pop3Command: Command = createPop3Command((config) => {
  const state = openSharedState(config, "pop3d");
  return createPop3Deps(
    () => config,
    popBeforeSmtpOver(state),
    () => state.close(),
  );
});
