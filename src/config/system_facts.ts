/**
 * What the configuration defaults need to know about this machine.
 *
 * DESCRIPTION
 *   `readSystemFacts()` returns the host name (for the default
 *   `myhostname`) and the interface addresses (for the default
 *   `mynetworks`). Each is read only when the process has the permission
 *   (`--allow-sys=hostname`, `--allow-sys=networkInterfaces`); without it,
 *   the host name is `localhost` and the interface list is empty, so
 *   `mynetworks` falls back to the loopback networks. Never prompts.
 *
 *   Used by the config loader; tests pass their own facts instead.
 */
import type { InterfaceAddress } from "../policy/networks.ts";

/** The machine facts the parameter defaults depend on. */
export interface SystemFacts {
  /** The host name as the system reports it (maybe unqualified). */
  readonly hostname: string;
  /** Interface addresses; empty when they cannot be read. */
  readonly interfaces: readonly InterfaceAddress[];
}

function granted(kind: "hostname" | "networkInterfaces"): boolean {
  return Deno.permissions.querySync({ name: "sys", kind }).state ===
    "granted";
}

/** Reads the host name and interface addresses, as far as permitted. */
export function readSystemFacts(): SystemFacts {
  const hostname = granted("hostname") ? Deno.hostname() : "localhost";
  const interfaces = granted("networkInterfaces")
    ? Deno.networkInterfaces().map((entry) => ({
      family: entry.family,
      address: entry.address,
      netmask: entry.netmask,
    }))
    : [];
  return { hostname, interfaces };
}
