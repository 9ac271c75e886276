/**
 * DKIM (RFC 6376, RFC 8463), DMARC and ARC (RFC 8617) of a message as it
 * streams in, through mailauth.
 *
 * DESCRIPTION
 *   `startMessageVerification` returns a verifier that smtpd feeds the
 *   content chunk by chunk while it writes the queue file (mailauth's
 *   DKIM verifier is a stream, so the message is never held whole), and
 *   `finish()` gives the outcome once the end of data is reached:
 *
 *     dkim   one result per DKIM-Signature (pass, fail, neutral,
 *            policy, temperror, permerror), or `none` for an unsigned
 *            message; keys shorter than 1024 bits fail (RFC 8301)
 *     dmarc  the author domain's policy (From:) evaluated against the
 *            SPF result given and the passing DKIM signatures, with
 *            relaxed or strict alignment as the record says; the
 *            organisational domain is found by mailauth's DNS Tree Walk
 *            (RFC 9989, the successor of RFC 7489's public suffix list
 *            step); `p=`, `sp=`, `np=` and `t=y` decide the policy
 *     arc    the ARC chain's validation, only when the message has one
 *
 *   A DNS failure is a `temperror` of the check that needed the answer
 *   (`dns_adapter.ts`), never a missing record.
 *
 *   Used by smtpd's DATA phase. Network I/O through the resolver only;
 *   the content lives in the stream's buffers while it is hashed.
 */
import { PassThrough } from "node:stream";
import { Buffer } from "node:buffer";
import type { evaluateDmarc } from "mailauth/lib/dmarc/index.js";
import type { arc } from "mailauth/lib/arc/index.js";
import type { MailauthResolver } from "./dns_adapter.ts";
import type { SpfOutcome } from "./spf_check.ts";

/** The DMARC policy the author domain asks receivers to apply. */
export type DmarcPolicy = "none" | "quarantine" | "reject";

/** DMARC's verdict on the message. */
export interface DmarcOutcome {
  /** pass, fail, none, temperror or permerror. */
  readonly result: string;
  /** The author domain (From:), or "" when there is none. */
  readonly domain: string;
  /** The policy that applies to this message (after sp=, np=, t=y). */
  readonly policy: DmarcPolicy;
}

/** What verification of the content found. */
export interface ContentOutcome {
  /** Authentication-Results method entries: dkim, then arc and dmarc. */
  readonly entries: readonly string[];
  /** One result per DKIM signature (`none` when unsigned). */
  readonly dkim: readonly string[];
  readonly dmarc: DmarcOutcome;
}

/** A verification under way. */
export interface MessageVerifier {
  /** Feeds the next bytes of the content (LF or CRLF line ends). */
  push(chunk: Uint8Array): Promise<void>;
  /** Ends the content and evaluates; never rejects. */
  finish(spf: SpfOutcome): Promise<ContentOutcome>;
  /** Drops a verification whose message was refused. */
  cancel(): void;
}

/** How to verify. */
export interface VerifierOptions {
  readonly resolver: MailauthResolver;
  /** MAIL FROM, for DKIM's envelope comparisons. */
  readonly sender: string;
}

interface DkimRow {
  readonly info: string;
  readonly signingDomain?: string;
  readonly id?: string;
  readonly status: {
    result: string;
    aligned?: unknown;
    underSized?: number;
  };
}

interface DkimVerification {
  readonly headerFrom?: string[];
  readonly fromFields?: unknown;
  readonly results?: DkimRow[];
  readonly arc?: unknown;
}

const POLICIES = new Set(["none", "quarantine", "reject"]);

/** Starts verifying a message whose content will be pushed. */
export function startMessageVerification(
  options: VerifierOptions,
): MessageVerifier {
  const input = new PassThrough();
  // mailauth is loaded at the first use, not with smtpd: it costs each
  // thread that loads it about 20 MB, and most sites never verify.
  const verification: Promise<DkimVerification> = import(
    "mailauth/lib/dkim/verify.js"
  ).then(({ dkimVerify }) =>
    dkimVerify(input, {
      resolver: options.resolver,
      sender: options.sender,
      minBitLength: 1024,
    })
  );
  // A cancelled or failing verification must not be an unhandled rejection.
  verification.catch(() => {});
  let failed: string | null = null;
  return {
    async push(chunk) {
      if (failed !== null) return;
      if (!input.write(Buffer.from(chunk))) {
        await new Promise<void>((resolve) => {
          input.once("drain", resolve);
          input.once("close", resolve);
        });
      }
    },
    async finish(spf) {
      input.end();
      let dkim: DkimVerification;
      try {
        dkim = await verification;
      } catch (e) {
        failed = e instanceof Error ? e.message : String(e);
        return unverifiable(failed);
      }
      return await evaluate(dkim, spf, options.resolver);
    },
    cancel() {
      failed = "cancelled";
      input.destroy();
    },
  };
}

/** DKIM rows, ARC and DMARC into one outcome. */
async function evaluate(
  dkim: DkimVerification,
  spf: SpfOutcome,
  resolver: MailauthResolver,
): Promise<ContentOutcome> {
  const rows = dkim.results ?? [];
  const entries = rows.map((row) => row.info);
  let arcResult: { status?: { result?: string }; info?: string } | undefined;
  if (dkim.arc) {
    try {
      const { arc } = await import("mailauth/lib/arc/index.js");
      arcResult = await arc(dkim.arc as Parameters<typeof arc>[0], {
        resolver,
      });
      if (arcResult?.status?.result && arcResult.status.result !== "none") {
        if (arcResult.info) entries.push(arcResult.info);
      }
    } catch {
      arcResult = undefined;
    }
  }
  const dmarc = await dmarcOutcome(dkim, rows, spf, arcResult, resolver);
  entries.push(dmarc.entry);
  return {
    entries,
    dkim: rows.map((row) => row.status.result),
    dmarc: dmarc.outcome,
  };
}

async function dmarcOutcome(
  dkim: DkimVerification,
  rows: readonly DkimRow[],
  spf: SpfOutcome,
  arcResult: unknown,
  resolver: MailauthResolver,
): Promise<{ outcome: DmarcOutcome; entry: string }> {
  if (!dkim.headerFrom || dkim.headerFrom.length === 0) {
    return permerror("no author domain in From:");
  }
  try {
    const { evaluateDmarc } = await import("mailauth/lib/dmarc/index.js");
    const evaluated = await evaluateDmarc(
      {
        headerFrom: dkim.headerFrom,
        fromFields: dkim.fromFields,
        spfDomains: spf.result === "pass" && spf.scope === "mailfrom"
          ? [spf.domain]
          : [],
        dkimDomains: rows
          .filter((r) => r.status.result === "pass")
          .map((r) => ({
            id: r.id,
            domain: r.signingDomain,
            aligned: r.status.aligned,
            underSized: r.status.underSized,
          })),
        arcResult,
        resolver,
      } as Parameters<typeof evaluateDmarc>[0],
    ) as unknown as {
      response:
        | false
        | {
          status: { result: string; header?: { from?: string } };
          policy?: string;
          info: string;
          domain?: string;
        };
      reason?: string;
    };
    const response = evaluated.response;
    if (!response) {
      return permerror(evaluated.reason ?? "no single author domain");
    }
    const policy = POLICIES.has(response.policy ?? "")
      ? response.policy as DmarcPolicy
      : "none";
    return {
      outcome: {
        result: response.status.result,
        domain: response.status.header?.from ?? response.domain ?? "",
        policy,
      },
      entry: response.info,
    };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      outcome: { result: "temperror", domain: "", policy: "none" },
      entry: `dmarc=temperror (${comment(reason)})`,
    };
  }
}

function permerror(reason: string): { outcome: DmarcOutcome; entry: string } {
  return {
    outcome: { result: "permerror", domain: "", policy: "none" },
    entry: `dmarc=permerror (${comment(reason)})`,
  };
}

/** An outcome for content the verifier could not read at all. */
function unverifiable(reason: string): ContentOutcome {
  return {
    entries: [
      `dkim=temperror (${comment(reason)})`,
      `dmarc=temperror (${comment(reason)})`,
    ],
    dkim: ["temperror"],
    dmarc: { result: "temperror", domain: "", policy: "none" },
  };
}

/** Text safe inside an RFC 8601 comment. */
function comment(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[()\\\x00-\x1f\x7f]/g, " ").slice(0, 200);
}
