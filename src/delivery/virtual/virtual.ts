/**
 * The virtual delivery agent: mail for users of virtual mailbox domains.
 *
 * DESCRIPTION
 *   Postfix's virtual(8) with the cleanup-time alias step folded in, for
 *   the Postfix + vm-pop3d recipe (one mailbox base, per-domain users
 *   without system accounts):
 *
 *   1. loops: a message that already carries `Delivered-To:` for this
 *      recipient, or more than `hopcount_limit` `Received:` headers, is
 *      bounced 5.4.6;
 *   2. virtual_alias_maps (`virtual_aliases.ts`) turn the recipient into
 *      its final addresses;
 *   3. each address in a virtual mailbox domain is delivered to its
 *      mailbox from virtual_mailbox_maps (`virtual_maps.ts`): a path
 *      ending in `/` is a Maildir, anything else an mbox file locked as
 *      `lock.ts` does (dotlock and flock, which covers every
 *      virtual_mailbox_lock setting); an address no table knows is
 *      bounced 5.1.1, an unsafe name or table value 5.1.3, and a mailbox
 *      the guard refuses (`layout/mailbox_guard.ts`: it would be, hold
 *      or sit inside a password file, table, the configuration or the
 *      queue, or has a reserved name) is deferred 4.3.5 with the reason;
 *   4. an address in a local domain goes to the local delivery agent;
 *      others are resubmitted through the queue's gate as one new message
 *      with a `Delivered-To:` header.
 *
 *   Steps 3 and 4 follow the address resolver (src/resolve/), so a domain
 *   listed both in mydestination and virtual_mailbox_domains is local
 *   here too, and an address with a relay trick is resubmitted, never
 *   written to a mailbox.
 *
 *   Created files and directories belong to the uid and gid that
 *   virtual_uid_maps and virtual_gid_maps give when mailsrv runs as root;
 *   a uid below virtual_minimum_uid defers the mail (4.3.5, "mail system
 *   configuration error") rather than writing files root or a system
 *   account would own.
 *
 *   One outcome per queue recipient, as in local delivery: deferred if any
 *   address must be retried, else bounced if any failed for good, else
 *   sent; each address (and each target of a local one) gets its own log
 *   line with the recipient as `orig_to=`. A mailbox that would grow past
 *   virtual_mailbox_limit (an mbox file, or one Maildir message file)
 *   bounces the mail with 5.2.2, as in virtual(8). This agent does not
 *   rewrite headers, enforce quotas or run commands (virtual(8) does
 *   neither).
 */
import { dirname, relative, resolve } from "node:path";
import type { Config } from "../../config/types.ts";
import { checkMailbox } from "../../layout/mod.ts";
import { LookupTableError } from "../../maps/mod.ts";
import { refuseLoops } from "../header_scan.ts";
import { createAddressResolver } from "../../resolve/address_resolver.ts";
import type { AgentOptions } from "../agent_options.ts";
import { mailboxError } from "../mailbox_error.ts";
import { mailboxLimit } from "../mailbox_limit.ts";
import { deliverToMaildir, type MailboxOwner } from "../mailbox/maildir.ts";
import { deliverToMbox } from "../mailbox/mbox.ts";
import { runsAsRoot } from "../privileges.ts";
import { forward } from "../forward.ts";
import {
  DeliveryError,
  type DeliveryMessage,
  type DeliveryResult,
  failedDelivery,
  type TargetResult,
} from "../types.ts";
import { combineTargets, targetFailed, targetSent } from "../target_results.ts";
import { expandVirtualAlias } from "./virtual_aliases.ts";
import {
  createVirtualMaps,
  VirtualConfigError,
  type VirtualMaps,
} from "../../resolve/virtual_maps.ts";

/** Everything virtual delivery needs besides the message and the config. */
export interface VirtualDeliveryOptions extends AgentOptions {
  /** Open tables to share (the router's); one set per call when absent. */
  readonly maps?: VirtualMaps;
  /** The local delivery agent, for alias targets in local domains. */
  readonly deliverLocal?: (message: DeliveryMessage) => Promise<DeliveryResult>;
}

/** The result of a failed delivery here. */
function failed(error: DeliveryError): DeliveryResult {
  return failedDelivery(error, "virtual");
}

/**
 * Creates the directories between `base` and `dir` that are missing,
 * owned by `owner` when given (an mbox file's domain directory).
 */
async function makeParents(
  base: string,
  dir: string,
  owner: MailboxOwner | undefined,
): Promise<void> {
  let path = base;
  for (const name of relative(base, dir).split("/").filter((n) => n !== "")) {
    path = resolve(path, name);
    try {
      await Deno.mkdir(path, { mode: 0o700 });
      if (owner) await Deno.chown(path, owner.uid, owner.gid);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) {
        throw mailboxError(error, `cannot create directory "${path}"`);
      }
    }
  }
}

/**
 * Delivers `message` to the mailbox of the virtual user `address`.
 * @returns the maillog reason
 */
async function deliverToVirtualMailbox(
  address: string,
  message: DeliveryMessage,
  config: Config,
  maps: VirtualMaps,
  options: VirtualDeliveryOptions,
): Promise<string> {
  const found = await maps.findMailbox(address, config);
  if (found.kind === "unknown") {
    throw new DeliveryError(
      `unknown user: "${address}" (not in virtual_mailbox_maps)`,
      false,
      "5.1.1",
    );
  }
  if (found.kind === "unsafe") {
    throw new DeliveryError(found.reason, false, "5.1.3");
  }
  const refusal = await checkMailbox(config, found.mailbox, "virtual");
  if (refusal) throw new DeliveryError(refusal.reason, true, "4.3.5");
  const mailboxOwner = await maps.findOwner(address, config);
  const owner = runsAsRoot(options.uid === undefined ? Deno.uid() : options.uid)
    ? mailboxOwner
    : undefined;
  const target = { ...message, recipient: address };
  const { path, format } = found.mailbox;
  const sizeLimit = mailboxLimit(
    "virtual_mailbox_limit",
    config.virtual_mailbox_limit,
  );
  if (format === "maildir") {
    await deliverToMaildir(path, target, {
      hostname: config.myhostname,
      owner,
      clock: options.clock,
      sizeLimit,
    });
    return "delivered to maildir";
  }
  await makeParents(resolve(config.virtual_mailbox_base), dirname(path), owner);
  await deliverToMbox(path, target, {
    owner,
    lock: options.lock,
    clock: options.clock,
    sizeLimit,
  });
  return "delivered to mailbox";
}

/**
 * Hands an alias target in a local domain to the local agent; its
 * targets' results (or its own).
 */
async function deliverLocally(
  address: string,
  message: DeliveryMessage,
  options: VirtualDeliveryOptions,
): Promise<TargetResult[]> {
  if (!options.deliverLocal) {
    throw new DeliveryError(
      "local delivery is not available in this process",
      true,
      "4.3.0",
    );
  }
  const { targets, ...result } = await options.deliverLocal({
    ...message,
    recipient: address,
  });
  return targets && targets.length > 0
    ? [...targets]
    : [{ ...result, recipient: address }];
}

/** Turns what a step threw into a DeliveryError, or rethrows a bug. */
function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof VirtualConfigError) {
    return new DeliveryError(error.message, true, "4.3.5");
  }
  if (error instanceof LookupTableError) {
    return new DeliveryError(error.message, true, "4.3.0");
  }
  throw error;
}

/**
 * Delivers `message` to its recipient, in a virtual mailbox domain.
 * @param config the configuration in force for this delivery
 * @returns the outcome; never throws for mail reasons
 */
export async function deliverVirtual(
  message: DeliveryMessage,
  config: Config,
  options: VirtualDeliveryOptions = {},
): Promise<DeliveryResult> {
  const maps = options.maps ??
    createVirtualMaps({ mapOptions: options.mapOptions });
  const resolve = options.resolve ?? createAddressResolver(maps);
  let addresses: readonly string[];
  try {
    await refuseLoops(message, config.hopcount_limit);
    addresses = await expandVirtualAlias(
      message.recipient,
      config,
      maps.tables,
    );
  } catch (error) {
    return failed(asDeliveryError(error));
  }
  const results: TargetResult[] = [];
  const forwards: string[] = [];
  const failure = (address: string, error: unknown) =>
    targetFailed(address, "virtual", asDeliveryError(error));
  for (const address of addresses) {
    try {
      switch ((await resolve(address, config)).addressClass) {
        case "virtual": {
          const reason = await deliverToVirtualMailbox(
            address,
            message,
            config,
            maps,
            options,
          );
          results.push(targetSent(address, "virtual", reason));
          break;
        }
        case "local":
          results.push(...await deliverLocally(address, message, options));
          break;
        default:
          forwards.push(address);
      }
    } catch (error) {
      results.push(failure(address, error));
    }
  }
  if (forwards.length > 0) {
    let forwarded: (address: string) => TargetResult;
    try {
      const reason = await forward(forwards, message, options.resubmit);
      forwarded = (address) => targetSent(address, "virtual", reason);
    } catch (error) {
      forwarded = (address) => failure(address, error);
    }
    results.push(...forwards.map(forwarded));
  }
  return combineTargets(
    message.recipient,
    results,
    "virtual",
    forwards.length,
  );
}
