/**
 * Shared steps of the commands that talk to a running daemon.
 */
import type { Config } from "../config/types.ts";
import { loadConfig } from "../config/load.ts";
import {
  type ControlReply,
  type ControlRequest,
  controlRequest,
  DaemonNotRunningError,
} from "../master/control.ts";
import type { CommandContext } from "./command.ts";

/** Loads the configuration named by `--config` (or the default one). */
export function configFor(context: CommandContext): Promise<Config> {
  return loadConfig({ path: context.configPath });
}

/**
 * Sends `command` to the daemon of the configured queue.
 * @returns the reply, or undefined (after telling the user) when no daemon runs
 */
export async function askDaemon(
  context: CommandContext,
  command: string | ControlRequest,
  timeoutMs?: number,
): Promise<ControlReply | undefined> {
  const config = await configFor(context);
  try {
    return await controlRequest(config.queue_directory, command, timeoutMs);
  } catch (e) {
    if (e instanceof DaemonNotRunningError) {
      context.warn(`mailsrv: ${e.message}`);
      return undefined;
    }
    throw e;
  }
}
