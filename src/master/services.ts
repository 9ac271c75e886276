/**
 * The set of listening services, and how it follows a reload.
 *
 * DESCRIPTION
 *   Each `[[listener]]` table becomes one listening service (Postfix's
 *   master.cf rows). On reload, services that are new are started first —
 *   if one cannot bind, the reload fails and nothing changes — then those
 *   no longer configured stop accepting and drain their sessions in the
 *   background. Unchanged services keep their sockets and sessions.
 */
import type { Listener } from "../config/types.ts";

export type { Service } from "../net/session_listener.ts";
import type { Service } from "../net/session_listener.ts";

/** How each kind of listener is started (the master.cf of mailsrv). */
export type ServiceStarters = Readonly<
  Record<Listener["kind"], (listener: Listener) => Promise<Service>>
>;

/** Identity of a listener: what it serves and where. */
export function listenerKey(listener: Listener): string {
  return `${listener.kind} ${listener.address}:${listener.port}`;
}

/** Running services by `listenerKey`. */
export type Services = Map<string, Service>;

/** Thrown when a listener cannot bind; names the address. */
export class ListenError extends Error {
  constructor(listener: Listener, cause: Error) {
    super(
      `cannot listen on ${listener.address}:${listener.port} (${listener.kind}): ${cause.message}`,
    );
    this.name = "ListenError";
  }
}

/**
 * Makes the running services match `wanted`.
 * @returns the new service map and the services that must drain
 * @throws ListenError when a new listener cannot bind (nothing is changed)
 */
export async function reconcileServices(
  running: Services,
  wanted: readonly Listener[],
  starters: ServiceStarters,
): Promise<{ services: Services; retired: Service[] }> {
  const services: Services = new Map();
  const started: Service[] = [];
  for (const listener of wanted) {
    const key = listenerKey(listener);
    const existing = running.get(key);
    if (existing) {
      services.set(key, existing);
      continue;
    }
    try {
      const service = await starters[listener.kind](listener);
      services.set(key, service);
      started.push(service);
    } catch (e) {
      for (const s of started) {
        s.stopAccepting();
        await s.drain(0);
      }
      throw new ListenError(listener, e as Error);
    }
  }
  const retired = [...running].filter(([key]) => !services.has(key)).map((
    [, service],
  ) => service);
  for (const service of retired) service.stopAccepting();
  return { services, retired };
}
