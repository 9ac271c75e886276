/**
 * The listening roles the configuration asks for: smtpd's thread when it
 * has an smtp, submission or smtps listener, pop3d's when it has a pop3 or
 * pop3s listener.
 *
 * DESCRIPTION
 *   A role without listeners has no thread (an idle Worker costs memory).
 *   A reload applies the new configuration to each role's thread
 *   (listener_thread.ts), starts the thread of a role that gains its first
 *   listener and retires the thread of one that loses its last. If one
 *   role cannot take the new configuration, the roles that already did
 *   are given the previous one again and the reload fails with that
 *   role's error, so a reload is all or nothing, as with one thread.
 *
 *   Each thread runs with its role's grants (role_permissions.ts),
 *   computed at each start of a thread from the configuration then in
 *   force and the system's facts (sandbox_facts.ts).
 */
import type { Config } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import type { ListenerRoleName } from "./listener_protocol.ts";
import { roleListeners } from "./listener_role_kinds.ts";
import {
  type ListenerThread,
  type ListenerThreadOptions,
  startListenerThread,
} from "./listener_thread.ts";
import {
  authThreadPermissions,
  rolePermissions,
  workerPermissions,
} from "./role_permissions.ts";
import { gatherSandboxFacts } from "./sandbox_facts.ts";

/**
 * The listening roles, in the order they start: smtpd last, so that once
 * its port answers every listener is up (as when one thread bound all).
 */
export const LISTENER_ROLES: readonly ListenerRoleName[] = ["pop3d", "smtpd"];

/** The Worker permissions of `role`'s thread under `config`. */
export function listenerRolePermissions(
  role: ListenerRoleName,
  config: Config,
): Deno.PermissionOptionsObject {
  return workerPermissions(
    rolePermissions(config, gatherSandboxFacts(config))[role],
  );
}

/** The Worker permissions of smtpd's auth thread under `config`. */
export function authRolePermissions(
  config: Config,
): Deno.PermissionOptionsObject {
  return workerPermissions(authThreadPermissions(config));
}

/** The listening threads, seen from the master. */
export interface ListenerRoles {
  /**
   * Applies a validated configuration to every role, or to none.
   * @throws the error of the first role that cannot take it
   */
  reload(config: Config): Promise<void>;
  /** Sessions running in every listening thread. */
  activeSessions(): Promise<number>;
  /**
   * Passes a spent queue file to smtpd's gate.
   * @returns false when smtpd has no thread to take it
   */
  spare(spare: string): boolean;
  /** Stops every thread, sessions granted `deadlineMs`. */
  stop(deadlineMs: number): Promise<void>;
}

/** How the threads run; `permissions` defaults to the roles' own. */
export type ListenerRolesOptions =
  & Omit<ListenerThreadOptions, "permissions" | "workerUrl" | "authPermissions">
  & {
    readonly permissions?: (
      role: ListenerRoleName,
      config: Config,
    ) => Deno.PermissionOptionsObject;
    /** The auth thread's; defaults to the auth role's own. */
    readonly authPermissions?: (config: Config) => Deno.PermissionOptionsObject;
  };

const log = maillog("master");

/**
 * Starts the thread of each role `config` has listeners for.
 * @throws the first start error (the threads already started are stopped)
 */
export async function startListenerRoles(
  initial: Config,
  options: ListenerRolesOptions,
): Promise<ListenerRoles> {
  const permissions = options.permissions ?? listenerRolePermissions;
  const threads = new Map<ListenerRoleName, ListenerThread>();
  const retired = new Set<ListenerThread>();
  let config = initial;
  const start = (role: ListenerRoleName, of: Config) =>
    startListenerThread(role, of, {
      ...options,
      permissions: (c) => permissions(role, c),
      authPermissions: options.authPermissions ?? authRolePermissions,
    });
  const wanted = (role: ListenerRoleName, of: Config) =>
    roleListeners(of, role).length > 0;
  const stopAll = (deadlineMs: number) =>
    Promise.all([...threads.values()].map((t) => t.stop(deadlineMs)));

  try {
    for (const role of LISTENER_ROLES) {
      if (wanted(role, config)) threads.set(role, await start(role, config));
    }
  } catch (error) {
    await stopAll(0);
    throw error;
  }

  return {
    async reload(next) {
      const previous = config;
      const reloaded: ListenerThread[] = [];
      const started: ListenerRoleName[] = [];
      const leaving: ListenerRoleName[] = [];
      try {
        for (const role of LISTENER_ROLES) {
          const thread = threads.get(role);
          if (thread && wanted(role, next)) {
            await thread.reload(next);
            reloaded.push(thread);
          } else if (!thread && wanted(role, next)) {
            threads.set(role, await start(role, next));
            started.push(role);
          } else if (thread) leaving.push(role);
        }
      } catch (error) {
        for (const thread of reloaded) {
          await thread.reload(previous).catch((e) =>
            log.error(
              `${thread.role} could not go back to the running configuration: ${
                (e as Error).message
              }`,
            )
          );
        }
        for (const role of started) {
          await threads.get(role)?.stop(0);
          threads.delete(role);
        }
        throw error;
      }
      config = next;
      for (const role of leaving) {
        const thread = threads.get(role)!;
        threads.delete(role);
        retired.add(thread);
        void thread.stop(options.drainMs).finally(() => retired.delete(thread));
      }
    },
    async activeSessions() {
      const all = [...threads.values(), ...retired];
      const counts = await Promise.all(all.map((t) => t.activeSessions()));
      return counts.reduce((a, b) => a + b, 0);
    },
    spare: (spare) => threads.get("smtpd")?.spare(spare) ?? false,
    async stop(deadlineMs) {
      await Promise.all([
        stopAll(deadlineMs),
        ...[...retired].map((t) => t.stop(deadlineMs)),
      ]);
    },
  };
}
