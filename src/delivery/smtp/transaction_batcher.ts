/**
 * One SMTP transaction for the recipients of a message that share a
 * nexthop, although the queue manager hands them over one by one.
 *
 * DESCRIPTION
 *   The queue manager delivers each pending recipient as its own call
 *   (local delivery is per recipient). For SMTP that would send one copy
 *   per recipient. `createTransactionBatcher(agent)` collects the calls
 *   for the same message, transport and nexthop that arrive before the
 *   event loop turns, sends them as one transaction (at most
 *   smtp_destination_recipient_limit recipients, Postfix's 50), and
 *   answers each call with its recipient's result.
 *
 *   Each transaction takes a slot of its destination (`smtp:NEXTHOP`, or
 *   `NAME:NEXTHOP` for a named `[[transport]]`) from the scheduler
 *   (`../destination_scheduler.ts`): at most the destination's window at
 *   once, and none while it is dead. With smtp_send_xforward_command the
 *   message's client goes along for XFORWARD.
 *
 *   Used by the router. Holds calls for one turn of the event loop.
 */
import type { Config } from "../../config/types.ts";
import type { DeliveryMessage, DeliveryResult } from "../types.ts";
import type { SmtpAgent, SmtpService } from "./smtp_agent.ts";
import type { EnvelopeRecipient } from "./client_session.ts";
import { encodeXtext, orcptParameter } from "../../common/xtext.ts";
import type { DestinationScheduler } from "../destination_scheduler.ts";

/** Delivers one recipient by SMTP, sharing a transaction when it can. */
export type BatchedSmtp = (
  message: DeliveryMessage,
  nexthop: string,
  config: Config,
  service?: SmtpService,
) => Promise<DeliveryResult>;

interface Waiting {
  readonly message: DeliveryMessage;
  readonly answer: (result: DeliveryResult) => void;
  readonly fail: (error: unknown) => void;
}

interface Batch {
  readonly nexthop: string;
  readonly config: Config;
  readonly service?: SmtpService;
  readonly waiting: Waiting[];
}

/** XFORWARD attributes of a message (Postfix's smtp_send_xforward_command). */
function xforwardOf(
  message: DeliveryMessage,
): Readonly<Record<string, string>> | undefined {
  const client = message.client;
  if (client === undefined) return undefined;
  return {
    NAME: client.name,
    ADDR: client.address,
    PROTO: client.protocol,
    HELO: client.helo,
    IDENT: message.queueId,
    SOURCE: client.protocol === "LOCAL" ? "LOCAL" : "REMOTE",
  };
}

/** A recipient with its DSN parameters as RCPT TO carries them. */
function wireRecipient(message: DeliveryMessage): EnvelopeRecipient {
  const dsn = message.dsn;
  return {
    address: message.recipient,
    notify: dsn?.notify?.join(","),
    orcpt: dsn?.orcpt ? orcptParameter(dsn.orcpt) : undefined,
  };
}

/** Creates the batcher around an agent. */
export function createTransactionBatcher(
  agent: SmtpAgent,
  scheduler: DestinationScheduler,
): BatchedSmtp {
  const open = new Map<string, Batch>();

  async function send(batch: Batch): Promise<void> {
    const first = batch.waiting[0].message;
    const granted = await scheduler.acquire(
      `${batch.service?.name ?? "smtp"}:${batch.nexthop}`,
      batch.config.smtp_destination_concurrency_limit,
    );
    if (granted.kind === "dead") {
      for (const w of batch.waiting) {
        w.answer({
          outcome: "deferred",
          dsn: granted.dsn,
          reason: granted.reason,
          relay: "none",
        });
      }
      return;
    }
    try {
      const delivery = await agent(
        {
          queueId: first.queueId,
          sender: first.sender,
          recipients: batch.waiting.map((w) => wireRecipient(w.message)),
          size: first.size,
          bodyType: first.bodyType,
          ret: first.dsn?.ret,
          envid: first.dsn?.envid === undefined
            ? undefined
            : encodeXtext(first.dsn.envid),
          content: first.content,
          ...(first.client === undefined ? {} : { client: first.client }),
          ...(first.source === undefined ? {} : { source: first.source }),
          ...(batch.config.smtp_send_xforward_command
            ? { xforward: xforwardOf(first) }
            : {}),
        },
        batch.nexthop,
        batch.config,
        batch.service,
      );
      granted.release(
        delivery.unreachable
          ? { kind: "unreachable", ...delivery.unreachable }
          : delivery.reached
          ? { kind: "reached" }
          : { kind: "neither" },
      );
      batch.waiting.forEach((w, i) => w.answer(delivery.results[i]));
    } catch (error) {
      granted.release({ kind: "neither" });
      for (const w of batch.waiting) w.fail(error);
    }
  }

  return (message, nexthop, config, service) =>
    new Promise((answer, fail) => {
      const key = `${message.queueId}\0${service?.name ?? ""}\0${nexthop}`;
      let batch = open.get(key);
      const limit = config.smtp_destination_recipient_limit;
      if (batch && limit > 0 && batch.waiting.length >= limit) {
        open.delete(key);
        batch = undefined;
      }
      if (!batch) {
        const fresh: Batch = { nexthop, config, service, waiting: [] };
        open.set(key, fresh);
        setTimeout(() => {
          if (open.get(key) === fresh) open.delete(key);
          send(fresh);
        }, 0);
        batch = fresh;
      }
      batch.waiting.push({ message, answer, fail });
    });
}
