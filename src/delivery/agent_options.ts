/**
 * What the local and virtual delivery agents take besides their tables.
 */
import type { MapOptions } from "../maps/mod.ts";
import type { AddressResolver } from "../resolve/address_resolver.ts";
import type { MboxLockOptions } from "./mailbox/lock.ts";
import type { Resubmit } from "../queue/enqueue.ts";

/** Options shared by the mailbox-writing agents. */
export interface AgentOptions {
  /**
   * The address resolver (the router's), for addresses an alias or
   * `.forward` expands to; one over the agent's tables when absent.
   */
  readonly resolve?: AddressResolver;
  /** Options for tables opened here (tests pass a passwd file). */
  readonly mapOptions?: MapOptions;
  /** How long to wait for mbox locks. */
  readonly lock?: MboxLockOptions;
  /** Milliseconds since the epoch (mbox `From ` date, Maildir names). */
  readonly clock?: () => number;
  /** This process's uid (default `Deno.uid()`); 0 means chown to owners. */
  readonly uid?: number | null;
  /** The queue's gate, for mail forwarded on (none: such targets defer). */
  readonly resubmit?: Resubmit;
}
