/**
 * Routes a message to the delivery agent of its recipient's transport.
 *
 * DESCRIPTION
 *   The queue manager's view of transports: the address resolver
 *   (src/resolve/, Postfix's trivial-rewrite with transport_maps,
 *   relayhost and sender_dependent_relayhost_maps) gives each recipient a
 *   transport and nexthop, and the router runs it:
 *
 *     local         → the local delivery agent (aliases, .forward, mailbox)
 *     virtual       → the virtual delivery agent
 *     smtp, relay   → the SMTP client, to the nexthop (MX or [host]:port)
 *     error:text    → bounced with the text (5.0.0 unless it names a status)
 *     discard:text  → dropped, reported as delivered ("discarded")
 *     retry:text    → deferred with the text
 *     none          → a refused address (a relay trick): deferred 4.4.1
 *
 *   A message with a content filter (queue file `filter=`, from an access
 *   map's FILTER action or a listener's content_filter) goes to the
 *   filter's transport:nexthop whatever the recipient's own route.
 *
 *   A transport named by a `[[transport]]` table (Postfix's master.cf
 *   services: `scan`, `smtp-amavis`, `spamfilter`) runs its kind with its
 *   own options: smtp and lmtp through the SMTP client (its sessions and
 *   destination slots kept apart, maxproc as its concurrency), pipe
 *   through `pipe/pipe_agent.ts` (at most maxproc commands at once).
 *
 *   Mail for the SMTP client is DKIM-signed by the client when its
 *   origin and From: domain say so (`smtp/signing_agent.ts`); the daemon
 *   hands the router a client in a Worker of its own (`smtpAgent`).
 *
 *   The local, virtual and pipe agents are one `LocalAgent`
 *   (`local_agents.ts`), called once the recipient has its slot; the
 *   daemon hands the router one in a Worker of its own (`localAgent`),
 *   which may write mailboxes and run commands where the router's thread
 *   may not.
 *
 *   A transport listed in defer_transports is deferred without an
 *   attempt ("deferred transport", 4.3.2) unless the attempt was asked
 *   for by a flush (the message's `flushRequested`: `mailsrv flush`,
 *   ETRN), as Postfix's qmgr does for `postqueue -f` (QMGR_FLUSH_DFXP).
 *   While a flush runs (`flushing`) dead destinations are tried too. SMTP recipients of one message that share a nexthop go out in
 *   one transaction (`smtp/transaction_batcher.ts`). Deliveries at once
 *   are limited per destination (`destination_scheduler.ts`): per SMTP
 *   nexthop with slow start and dead-destination backoff, per local
 *   recipient by local_destination_concurrency_limit. A table that cannot
 *   be read defers (4.3.0).
 *
 *   The router owns the lookup tables its agents use (opened once, then
 *   following their files) and reads the configuration at every message,
 *   so a reloaded configuration applies to the next delivery.
 */
import type { Config } from "../config/types.ts";
import { createAliasTableCache } from "../maps/alias_table.ts";
import { createMapCache, LookupTableError } from "../maps/mod.ts";
import type { LocalDeliveryOptions } from "./local/local.ts";
import { createLocalAgent, type LocalAgent } from "./local_agents.ts";
import { createAddressResolver } from "../resolve/address_resolver.ts";
import {
  REFUSED_ADDRESS_TRANSPORT,
  type ResolvedAddress,
  statusOfNexthop,
  type Transport,
} from "../resolve/resolved_address.ts";
import {
  DEFERRED_TRANSPORT,
  isDeferredTransport,
} from "../resolve/deferred_transports.ts";
import type { DeliveryMessage, DeliveryResult } from "./types.ts";
import { createSmtpAgent, type SmtpAgent } from "./smtp/smtp_agent.ts";
import { createSigningAgent } from "./smtp/signing_agent.ts";
import { createTransactionBatcher } from "./smtp/transaction_batcher.ts";
import { createDestinationScheduler } from "./destination_scheduler.ts";
import type { Resolver } from "../dns/resolver.ts";
import { createVirtualMaps } from "../resolve/virtual_maps.ts";
import { filterRoute } from "../resolve/routing.ts";
import { createDkimSigning } from "./dkim_signing.ts";
import {
  namedTransport,
  transportConfig,
  type TransportService,
} from "../config/transports.ts";
import { maillog } from "../log/maillog.ts";

const routerLog = maillog("qmgr");

/** Options for `createRouter`: those of the local agent, minus the tables. */
export type RouterOptions =
  & Omit<LocalDeliveryOptions, "maps" | "aliasTables" | "resolve">
  & {
    /** The DNS resolver for SMTP (default: one following resolv_conf). */
    readonly dns?: Resolver;
    /** True while a flush run is under way (dead destinations are tried). */
    readonly flushing?: () => boolean;
    /**
     * The SMTP and LMTP client, DKIM signing included (default: one in
     * this thread; the daemon's runs in a Worker of its own).
     */
    readonly smtpAgent?: SmtpAgent;
    /**
     * The local, virtual and pipe agents (default: in this thread, over
     * the router's tables; the daemon's run in a Worker of their own).
     */
    readonly localAgent?: LocalAgent;
  };

/** Delivers one message to one recipient, by whatever agent applies. */
export type Router = (message: DeliveryMessage) => Promise<DeliveryResult>;

const TABLE_FAILURE: DeliveryResult = {
  outcome: "deferred",
  dsn: "4.3.0",
  reason: "",
  relay: "none",
};

/**
 * The deferral of a `retry` transport, or of a refused address (a relay
 * trick: Postfix would route it to another host).
 */
function deferral(transport: Transport): DeliveryResult {
  const { dsn, text } = statusOfNexthop(transport.nexthop, "4.4.1");
  return { outcome: "deferred", dsn, reason: text, relay: "none" };
}

/**
 * The recipient's transport, or the message's content filter instead
 * (an access map's FILTER action): a refused address stays refused.
 */
function routeOfMessage(
  message: DeliveryMessage,
  resolved: ResolvedAddress,
  config: Config,
): Transport {
  const own = resolved.transport ?? REFUSED_ADDRESS_TRANSPORT;
  if (message.filter === undefined || resolved.transport === undefined) {
    return own;
  }
  const route = filterRoute(own, message.filter, resolved.domain, config);
  if (route.warning !== undefined) {
    routerLog.warning(`${message.queueId}: ${route.warning}`);
  }
  return route.transport;
}

/**
 * Creates the router.
 * @param config the current configuration (read for every message)
 */
export function createRouter(
  config: () => Config,
  options: RouterOptions = {},
): Router {
  const maps = createMapCache(options.mapOptions);
  const aliasTables = createAliasTableCache({
    clock: options.mapOptions?.clock,
  });
  const virtualMaps = createVirtualMaps({
    tables: maps,
    mapOptions: options.mapOptions,
  });
  const resolve = createAddressResolver(virtualMaps);
  const scheduler = createDestinationScheduler({
    now: options.clock,
    initial: () => config().initial_destination_concurrency,
    deadFor: () => config().minimal_backoff_time * 1000,
    flushing: options.flushing,
  });
  const smtp = createTransactionBatcher(
    options.smtpAgent ?? createSigningAgent(
      createSmtpAgent({ maps, resolver: options.dns }),
      createDkimSigning(),
    ),
    scheduler,
  );
  const agents = options.localAgent ??
    createLocalAgent({ ...options, maps, aliasTables, virtualMaps, resolve });
  return async (message) => {
    const current = config();
    let resolved: ResolvedAddress;
    try {
      resolved = await resolve(message.recipient, current, {
        sender: message.sender,
      });
    } catch (error) {
      if (!(error instanceof LookupTableError)) throw error;
      return { ...TABLE_FAILURE, reason: error.message };
    }
    const transport = routeOfMessage(message, resolved, current);
    if (
      isDeferredTransport(transport.name, current) && !message.flushRequested
    ) {
      return {
        outcome: "deferred",
        dsn: DEFERRED_TRANSPORT.dsn,
        reason: DEFERRED_TRANSPORT.text,
        relay: "none",
      };
    }
    switch (transport.name) {
      case "local": {
        // local_destination_concurrency_limit: deliveries at once to one
        // recipient (a mailbox, a procmail run), as Postfix's local(8).
        const slot = await scheduler.acquire(
          `local:${message.recipient.toLowerCase()}`,
          current.local_destination_concurrency_limit,
        );
        if (slot.kind === "dead") return deferral(REFUSED_ADDRESS_TRANSPORT);
        const release = () => slot.release({ kind: "neither" });
        try {
          // Once the mailbox is written, the next delivery may start.
          return await agents(
            { kind: "local", message, written: release },
            current,
          );
        } finally {
          release();
        }
      }
      case "virtual":
        return agents({ kind: "virtual", message }, current);
      case "smtp":
      case "relay":
        return smtp(message, transport.nexthop, current);
      case "error": {
        const { dsn, text } = statusOfNexthop(transport.nexthop, "5.0.0");
        return { outcome: "bounced", dsn, reason: text, relay: "none" };
      }
      case "discard":
        return {
          outcome: "sent",
          dsn: "2.0.0",
          reason: transport.nexthop || "discarded",
          relay: "none",
        };
      default: {
        const service = namedTransport(current.transports, transport.name);
        if (service === undefined) return deferral(transport);
        return await named(service, message, transport.nexthop, current);
      }
    }
  };

  /** A `[[transport]]`: its kind, with its options and maxproc. */
  async function named(
    service: TransportService,
    message: DeliveryMessage,
    nexthop: string,
    current: Config,
  ): Promise<DeliveryResult> {
    const config = transportConfig(current, service);
    if (service.kind !== "pipe") {
      const limited = service.maxproc === undefined ? config : {
        ...config,
        smtp_destination_concurrency_limit: service.maxproc,
      };
      return smtp(message, nexthop, limited, {
        name: service.name,
        lmtp: service.kind === "lmtp",
      });
    }
    const slot = await scheduler.acquire(
      `pipe:${service.name}`,
      service.maxproc ?? current.default_process_limit,
    );
    if (slot.kind === "dead") return deferral(REFUSED_ADDRESS_TRANSPORT);
    try {
      return await agents(
        { kind: "pipe", message, transport: service.name, nexthop },
        current,
      );
    } finally {
      slot.release({ kind: "neither" });
    }
  }
}
