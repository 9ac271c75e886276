/**
 * The local delivery agent: mail for a recipient in a local domain.
 *
 * DESCRIPTION
 *   Postfix's local(8), in its order (local/recipient.c):
 *
 *   1. an unsafe local part is bounced 5.1.3, so no path ever escapes its
 *      base; the recipient is checked against `local_recipient_maps`;
 *   2. loops: a message that already carries `Delivered-To:` for this
 *      recipient, or more than `hopcount_limit` `Received:` headers, is
 *      bounced 5.4.6;
 *   3. expansion (`local_expansion.ts`): the alias tables, else the
 *      user's `.forward`, with `:include:` lists inside either, else the
 *      user's mailbox;
 *   4. every target is delivered: mailboxes (`local_mailbox.ts`, which
 *      runs `mailbox_command` when set), files and Maildirs
 *      (`file_target.ts`; one the mailbox guard refuses, such as a
 *      `.forward` naming a password file or an alias naming a file in
 *      the queue, is deferred 4.3.5) and commands (`command.ts`) with
 *      the privileges expansion chose — never root's — and addresses are
 *      resubmitted through the queue's single gate as one new message, with a
 *      `Delivered-To:` header so that a loop is caught when it returns.
 *
 *   A recipient the tables list but passwd does not know gets a mailbox
 *   (under the spool), so a list of mail-only users needs no system
 *   accounts; an unknown one is bounced 5.1.1.
 *
 *   The outcome is one result per queue recipient: deferred if any target
 *   must be retried (the retry delivers every target again — at least
 *   once, as in Postfix), else bounced if any target failed for good, else
 *   sent; each target's own result comes along for its own log line
 *   (`to=<member>, orig_to=<recipient>`, `target_results.ts`), and a sent
 *   one says what a success notice reports (delivered, or expanded for
 *   several targets, or relayed for a lone forward: `success_action.ts`).
 */
import type { Config } from "../../config/types.ts";
import { checkMailbox } from "../../layout/mod.ts";
import {
  type AliasTableCache,
  createAliasTableCache,
} from "../../maps/alias_table.ts";
import {
  createMapCache,
  LookupTableError,
  type MapCache,
} from "../../maps/mod.ts";
import { deliverToCommand } from "../targets/command.ts";
import { deliverToFile } from "../targets/file_target.ts";
import { mailboxLimit } from "../mailbox_limit.ts";
import { refuseLoops } from "../header_scan.ts";
import { expandLocalRecipient } from "./local_expansion.ts";
import { deliverToMailbox, PASSWD_TABLE } from "./local_mailbox.ts";
import {
  domainOf,
  localPartOf,
  splitExtension,
} from "../../resolve/local_part.ts";
import { classifyLocalRecipient } from "./local_recipient.ts";
import { createAddressResolver } from "../../resolve/address_resolver.ts";
import { createVirtualMaps } from "../../resolve/virtual_maps.ts";
import type {
  CommandEnvironment,
  LocalTarget,
  Privileges,
} from "./local_types.ts";
import { lookupLocalUser } from "./local_users.ts";
import type { AgentOptions } from "../agent_options.ts";
import { resolveDefaultPrivileges } from "./target_privileges.ts";
import { forward } from "../forward.ts";
import {
  DeliveryError,
  type DeliveryMessage,
  type DeliveryResult,
  failedDelivery,
  type TargetResult,
} from "../types.ts";
import { combineTargets, targetFailed, targetSent } from "../target_results.ts";

/** Everything local delivery needs besides the message and the config. */
export interface LocalDeliveryOptions extends AgentOptions {
  /** Open tables to share (the router's); one per call when absent. */
  readonly maps?: MapCache;
  /** Alias tables to share (the router's); one per call when absent. */
  readonly aliasTables?: AliasTableCache;
  /**
   * Called once every target is written, while the Maildirs' new/ are
   * still being fsynced: the recipient's concurrency slot can go to the
   * next delivery (waiting for the disk needs no slot).
   */
  readonly written?: () => void;
}

/** The result of a failed delivery here. */
function failed(error: DeliveryError): DeliveryResult {
  return failedDelivery(error, "local");
}

/** `text` with control characters shown as `\xNN`, safe for a log line. */
function printable(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** One delivery's shared state, so each target is a small step. */
interface Delivery {
  readonly message: DeliveryMessage;
  readonly config: Config;
  readonly options: LocalDeliveryOptions;
  readonly maps: MapCache;
  readonly defaultPrivileges: () => Promise<Privileges>;
  readonly environment: Omit<
    CommandEnvironment,
    "USER" | "LOGNAME" | "HOME" | "SHELL"
  >;
  readonly domain: string;
  /** Lower-cased local part without its extension. */
  readonly user: string;
}

/** Defers a file target the mailbox guard refuses (not /dev/null). */
async function refuseProtectedFile(
  path: string,
  config: Config,
): Promise<void> {
  if (path === "/dev/null" || !path.startsWith("/")) return;
  const format = path.endsWith("/") ? "maildir" : "mbox";
  const refusal = await checkMailbox(config, { path, format }, "file");
  if (refusal) throw new DeliveryError(refusal.reason, true, "4.3.5");
}

/** A target that is delivered here (not forwarded, not refused). */
type DeliveredTarget = Exclude<LocalTarget, { kind: "forward" | "refused" }>;

/**
 * Delivers one target; returns its maillog reason. A Maildir message is
 * left in new/: the directory's fsync goes to `syncLater`.
 */
async function deliverTarget(
  target: DeliveredTarget,
  delivery: Delivery,
  message: DeliveryMessage,
  syncLater: (sync: () => Promise<unknown>) => void,
): Promise<string> {
  const { config, options } = delivery;
  const passwd = delivery.maps.open(PASSWD_TABLE);
  switch (target.kind) {
    case "mailbox": {
      // Another user reached through an alias gets its own Delivered-To.
      const own = target.user === delivery.user;
      const recipient = own
        ? message.recipient
        : `${target.user}@${delivery.domain}`;
      return await deliverToMailbox(target.user, { ...message, recipient }, {
        config,
        maps: delivery.maps,
        defaultPrivileges: delivery.defaultPrivileges,
        environment: delivery.environment,
        lock: options.lock,
        clock: options.clock,
        uid: options.uid,
        syncLater,
      });
    }
    case "file":
      await refuseProtectedFile(target.path, config);
      await deliverToFile(target.path, message, {
        privileges: target.privileges,
        hostname: config.myhostname,
        lock: options.lock,
        clock: options.clock,
        uid: options.uid,
        passwd,
        sizeLimit: mailboxLimit(
          "mailbox_size_limit",
          config.mailbox_size_limit,
        ),
      });
      return `delivered to file: ${target.path}`;
    case "command":
      await deliverToCommand(target.command, message, {
        environment: {
          ...delivery.environment,
          USER: target.privileges.user,
          LOGNAME: target.privileges.user,
          HOME: target.privileges.home,
          SHELL: target.privileges.shell,
        },
        privileges: target.privileges,
        shell: config.local_command_shell,
        timeLimitSeconds: config.command_time_limit,
        clock: options.clock,
        uid: options.uid,
        passwd,
      });
      return `delivered to command: ${target.command}`;
  }
}

/** The address a target is logged for (`to=`). */
function targetRecipient(
  target: DeliveredTarget,
  delivery: Delivery,
): string {
  if (target.kind !== "mailbox") return target.recipient;
  if (target.user === delivery.user) return delivery.message.recipient;
  const delimiter = delivery.config.recipient_delimiter[0] ?? "";
  const local = target.extension
    ? `${target.user}${delimiter}${target.extension}`
    : target.user;
  return `${local}@${delivery.domain}`;
}

/** Delivers every target; one outcome for the recipient. */
async function deliverTargets(
  targets: readonly LocalTarget[],
  delivery: Delivery,
  message: DeliveryMessage,
): Promise<DeliveryResult> {
  // A target whose Maildir's new/ is still being fsynced settles later.
  const results: Array<TargetResult | Promise<TargetResult>> = [];
  const forwards: string[] = [];
  for (const target of targets) {
    if (target.kind === "forward") {
      forwards.push(target.address);
      continue;
    }
    if (target.kind === "refused") {
      results.push(targetFailed(target.recipient, "local", target.error));
      continue;
    }
    const recipient = targetRecipient(target, delivery);
    const syncing: Promise<unknown>[] = [];
    try {
      const reason = await deliverTarget(
        target,
        delivery,
        message,
        (sync) => syncing.push(sync()),
      );
      results.push(
        Promise.all(syncing).then(
          () => targetSent(recipient, "local", reason),
          (error) => targetFailed(recipient, "local", error),
        ),
      );
    } catch (error) {
      results.push(targetFailed(recipient, "local", error));
    }
  }
  if (forwards.length > 0) {
    let forwarded: (address: string) => TargetResult;
    try {
      const reason = await forward(
        forwards,
        message,
        delivery.options.resubmit,
      );
      forwarded = (address) => targetSent(address, "local", reason);
    } catch (error) {
      forwarded = (address) => targetFailed(address, "local", error);
    }
    results.push(...forwards.map(forwarded));
  }
  delivery.options.written?.();
  return combineTargets(
    message.recipient,
    await Promise.all(results),
    "local",
    forwards.length,
  );
}

/**
 * Delivers `message` to its recipient, in a local domain.
 * @param config the configuration in force for this delivery
 * @returns the outcome; never throws for mail reasons
 */
export async function deliverLocal(
  message: DeliveryMessage,
  config: Config,
  options: LocalDeliveryOptions = {},
): Promise<DeliveryResult> {
  const maps = options.maps ?? createMapCache(options.mapOptions);
  const aliasTables = options.aliasTables ??
    createAliasTableCache({ clock: options.mapOptions?.clock });
  const resolve = options.resolve ??
    createAddressResolver(createVirtualMaps({ tables: maps }));
  try {
    const recipient = await classifyLocalRecipient(
      message.recipient,
      config,
      maps,
    );
    if (recipient.kind === "unsafe") {
      throw new DeliveryError(
        `unsafe local part "${printable(recipient.localPart)}" refused`,
        false,
        "5.1.3",
      );
    }
    await refuseLoops(message, config.hopcount_limit);
    const passwd = maps.open(PASSWD_TABLE);
    const lookupUser = (name: string) => lookupLocalUser(name, { passwd });
    let defaults: Promise<Privileges> | undefined;
    const defaultPrivileges = () =>
      defaults ??= resolveDefaultPrivileges(config.default_privs, {
        lookupUser,
      });
    const localPart = localPartOf(message.recipient);
    const domain = domainOf(message.recipient);
    const expansion = await expandLocalRecipient({
      recipient: message.recipient,
      localPart,
      domain,
      sender: message.sender,
    }, {
      // Listed in local_recipient_maps: valid even without a passwd entry.
      config: recipient.kind === "known"
        ? { ...config, local_recipient_maps: [] }
        : config,
      aliasTables,
      lookupUser,
      resolve: (address) => resolve(address, config),
    });
    const sender = expansion.sender ?? message.sender;
    const { user, extension } = splitExtension(
      localPart.toLowerCase(),
      config.recipient_delimiter,
    );
    return await deliverTargets(expansion.targets, {
      message,
      config,
      options,
      maps,
      defaultPrivileges,
      environment: {
        SENDER: sender,
        RECIPIENT: message.recipient,
        ORIGINAL_RECIPIENT: message.recipient,
        LOCAL: localPart,
        DOMAIN: domain,
        EXTENSION: extension ?? "",
      },
      domain,
      user,
    }, { ...message, sender });
  } catch (error) {
    if (error instanceof DeliveryError) return failed(error);
    if (error instanceof LookupTableError) {
      return failed(new DeliveryError(error.message, true, "4.3.0"));
    }
    throw error;
  }
}
