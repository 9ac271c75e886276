/**
 * `mailsrv check`: can every `[[listener]]` bind its address and port?
 *
 * DESCRIPTION
 *   Each listener is bound and at once closed. A port another program
 *   holds, a port below 1024 without the privilege for it, or an address
 *   this host does not have is an error naming the listener.
 *
 *   When this configuration's daemon runs (it answers on the queue's
 *   control socket), its own ports are busy because it holds them: those
 *   listeners are reported as served by it and not probed; listeners it
 *   does not have yet (added to the file, not reloaded) are probed.
 *
 *   Needs net permission for the listeners' addresses. Binds for an
 *   instant; creates nothing.
 */
import type { Config, Listener } from "../../config/types.ts";
import { controlRequest } from "../../master/control.ts";
import { listenerKey } from "../../master/services.ts";
import { type Findings, reasonOf } from "./findings.ts";

/** The running daemon's pid and listener keys, or undefined. */
async function runningDaemon(
  queueDirectory: string,
): Promise<{ pid: number; listeners: string[] } | undefined> {
  try {
    const reply = await controlRequest(queueDirectory, "status", 5000);
    if (!reply.ok) return undefined;
    return {
      pid: Number(reply.pid),
      listeners: Array.isArray(reply.listeners)
        ? reply.listeners.map(String)
        : [],
    };
  } catch {
    // No socket, nobody listening, or no permission: not ours to probe.
    return undefined;
  }
}

/** Why `listener` cannot bind, or undefined when it can. */
export function bindProblem(listener: Listener): string | undefined {
  try {
    Deno.listen({ hostname: listener.address, port: listener.port }).close();
    return undefined;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      return "address already in use (another program, perhaps another " +
        "mail server, holds the port)";
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      return listener.port < 1024
        ? "permission denied (ports below 1024 need root or " +
          "CAP_NET_BIND_SERVICE)"
        : "permission denied";
    }
    if (error instanceof Deno.errors.AddrNotAvailable) {
      return "this host has no such address";
    }
    return reasonOf(error);
  }
}

/** Checks that the listeners can bind. */
export async function checkListeners(
  config: Config,
  findings: Findings,
): Promise<void> {
  const daemon = await runningDaemon(config.queue_directory);
  const served: string[] = [];
  for (const listener of config.listeners) {
    const key = listenerKey(listener);
    if (daemon?.listeners.includes(key)) {
      served.push(`${listener.address}:${listener.port}`);
      continue;
    }
    const problem = bindProblem(listener);
    if (problem) {
      findings.error(
        `listener ${listener.kind} ${listener.address}:${listener.port}: ` +
          `cannot listen: ${problem}`,
      );
    }
  }
  if (daemon) {
    findings.note(
      `mailsrv is running (pid ${daemon.pid})` +
        (served.length
          ? `; ${served.join(", ")} in use by it, not probed`
          : ""),
    );
  }
}
