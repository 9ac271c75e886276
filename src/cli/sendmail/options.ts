/**
 * The command line of `mailsrv sendmail` (Postfix sendmail(1)).
 *
 * DESCRIPTION
 *   `parseSendmailArgs` reads the options mail programs pass to
 *   /usr/sbin/sendmail, with getopt(3) rules as Postfix uses them: flags
 *   may be clustered (`-ti`), an option's value may be attached
 *   (`-fsender`, `-oi`, `-bs`) or follow as the next word (`-f sender`),
 *   `--` or the first word that is not an option ends the options (no
 *   permutation), and the words left are recipients. `-q` alone is not
 *   getopt-shaped and is recognised as a whole word, as Postfix does.
 *
 *   Modes: `-bm` (default) submits a message, `-bs` speaks SMTP on
 *   stdin/stdout, `-bv` verifies recipients, `-bp` lists the queue (also
 *   the default when invoked as `mailq`), `-bi`/`-I` checks the aliases
 *   (the default as `newaliases`), `-q` flushes the queue (`-qRsite` one
 *   site's mail), `-bh`/`-bH` and `-qINTERVAL` do nothing. Options that
 *   Sendmail had and Postfix ignores (`-oXXX` apart from `-oi` and
 *   `-oA`, `-h N`, `-m`, `-e X`, `-L`, `-O`, `-p`, `-U`, `-c`, `-x`,
 *   `-G`, `-A`) are accepted and ignored. Bad values of `-N`, `-R` and
 *   `-V` are warned about and ignored, as Postfix does; everything else a
 *   user can get wrong is a `SendmailError` with EX_USAGE.
 *
 *   Pure: no I/O. Used by `src/cli/sendmail.ts`.
 *
 *   Does NOT check addresses (local_submission.ts does) or read the
 *   configuration.
 */
import type { DsnNotifyKeyword, DsnRet } from "../../queue/enqueue.ts";
import { EX } from "../../delivery/sysexits.ts";

/** What `sendmail` was asked to do. */
export type SendmailMode =
  | "enqueue"
  | "stand-alone"
  | "verify"
  | "mailq"
  | "newaliases"
  | "flush"
  | "daemon"
  | "ignore";

/** The parsed command line. */
export interface SendmailOptions {
  readonly mode: SendmailMode;
  /** `-t`: recipients from To:, Cc:, Bcc: (added to the arguments). */
  readonly extractRecipients: boolean;
  /** False after `-i` or `-oi`: a lone "." does not end the message. */
  readonly dotEndsMessage: boolean;
  /** `-f` / `-r`: the envelope sender as given. */
  readonly sender?: string;
  /** `-F`: the full name for the From: header. */
  readonly fullName?: string;
  /** `-N`: DSN NOTIFY for every recipient. */
  readonly notify?: readonly DsnNotifyKeyword[];
  /** `-R`: DSN RET. */
  readonly ret?: DsnRet;
  /** `-V`: DSN ENVID. */
  readonly envid?: string;
  /** `-B`: the body type. */
  readonly bodyType?: "7BIT" | "8BITMIME";
  /** `-C`: the configuration file (or a directory holding mailsrv.toml). */
  readonly configPath?: string;
  /** `-oA`: the alias file `-bi` checks instead of alias_maps. */
  readonly aliasFile?: string;
  /** `-qRsite`: flush only that site's mail. */
  readonly flushSite?: string;
  /** `-v` given. */
  readonly verbose: boolean;
  /** The recipient words after the options. */
  readonly recipients: readonly string[];
  /** Warnings about ignored values, for standard error. */
  readonly warnings: readonly string[];
}

/** A command line sendmail refuses, with its sysexits(3) status. */
export class SendmailError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
    this.name = "SendmailError";
  }
}

/** Options that take a value (Postfix's getopt list). */
const WITH_VALUE = new Set("ABCFLNORVXbefhopqr".split(""));
/** Options without a value. */
const FLAGS = new Set("GIUcimntvx".split(""));

const usage = (text: string) => new SendmailError(EX.USAGE, text);

/** `-N`: `never`, or a comma list of success, failure, delay. */
function notifyOf(value: string): DsnNotifyKeyword[] | undefined {
  const words = value.split(",").map((w) => w.trim().toUpperCase());
  const known = ["NEVER", "SUCCESS", "FAILURE", "DELAY"];
  if (words.some((w) => !known.includes(w))) return undefined;
  if (words.includes("NEVER") && words.length > 1) return undefined;
  return [...new Set(words)] as DsnNotifyKeyword[];
}

interface Draft {
  mode: SendmailMode;
  extractRecipients: boolean;
  dotEndsMessage: boolean;
  sender?: string;
  fullName?: string;
  notify?: DsnNotifyKeyword[];
  ret?: DsnRet;
  envid?: string;
  bodyType?: "7BIT" | "8BITMIME";
  configPath?: string;
  aliasFile?: string;
  flushSite?: string;
  queueInterval: boolean;
  verbose: boolean;
  warnings: string[];
}

/** Applies one option and its value to the draft. */
function apply(draft: Draft, option: string, value: string): void {
  switch (option) {
    case "B":
      if (value !== "8BITMIME" && value !== "7BIT") {
        throw usage("-B option needs 8BITMIME or 7BIT");
      }
      draft.bodyType = value;
      return;
    case "C":
      draft.configPath = value;
      return;
    case "F":
      draft.fullName = value;
      return;
    case "I":
      draft.mode = "newaliases";
      return;
    case "N": {
      const notify = notifyOf(value);
      if (notify === undefined) {
        draft.warnings.push("bad -N option value -- ignored");
      } else draft.notify = notify;
      return;
    }
    case "R": {
      const ret = value.toUpperCase();
      if (ret === "HDRS" || ret === "FULL") draft.ret = ret;
      else draft.warnings.push("bad -R option value -- ignored");
      return;
    }
    case "V":
      if (value.length > 100) {
        draft.warnings.push("too long -V option value -- ignored");
      } else if (!/^[\x20-\x7e]+$/.test(value)) {
        draft.warnings.push("bad syntax in -V option value -- ignored");
      } else draft.envid = value;
      return;
    case "X":
      throw usage(`unsupported: -X${value.charAt(0)}`);
    case "b":
      return applyMode(draft, value);
    case "f":
    case "r":
      draft.sender = value;
      return;
    case "i":
      draft.dotEndsMessage = false;
      return;
    case "n":
      throw usage("-n option not supported");
    case "o":
      if (value.startsWith("i")) draft.dotEndsMessage = false;
      else if (value.startsWith("A")) {
        if (value.length === 1) throw usage("-oA requires pathname");
        draft.aliasFile = value.slice(1);
      }
      return;
    case "q":
      return applyQueue(draft, value);
    case "t":
      draft.extractRecipients = true;
      return;
    case "v":
      draft.verbose = true;
      return;
    default:
      // -A -G -L -O -U -c -e -h -m -p -x: accepted and ignored (Postfix).
      return;
  }
}

/** `-bX`. */
function applyMode(draft: Draft, value: string): void {
  const modes: Record<string, SendmailMode> = {
    d: "daemon",
    l: "daemon",
    h: "ignore",
    H: "ignore",
    i: "newaliases",
    m: "enqueue",
    p: "mailq",
    s: "stand-alone",
    v: "verify",
  };
  const mode = modes[value.charAt(0)];
  if (mode === undefined) throw usage(`unsupported: -b${value.charAt(0)}`);
  draft.mode = mode;
}

/** `-qINTERVAL`, `-qRsite`, `-qIqueueid`. */
function applyQueue(draft: Draft, value: string): void {
  if (/^\d/.test(value)) {
    draft.queueInterval = true;
  } else if (value.startsWith("R")) {
    if (value.length === 1) throw usage("specify: -qRsitename");
    draft.flushSite = value.slice(1);
  } else if (value.startsWith("I")) {
    throw usage('-qI is not implemented; use "mailsrv flush"');
  } else {
    throw usage(`-q${value.charAt(0)} is not implemented`);
  }
}

/**
 * Parses sendmail's arguments.
 * @param invokedAs `sendmail`, `mailq` or `newaliases`: the default mode
 * @throws SendmailError on a bad command line (EX_USAGE)
 */
export function parseSendmailArgs(
  args: readonly string[],
  invokedAs: "sendmail" | "mailq" | "newaliases" = "sendmail",
): SendmailOptions {
  const draft: Draft = {
    mode: invokedAs === "mailq"
      ? "mailq"
      : invokedAs === "newaliases"
      ? "newaliases"
      : "enqueue",
    extractRecipients: false,
    dotEndsMessage: true,
    queueInterval: false,
    verbose: false,
    warnings: [],
  };
  let flushQueue = false;
  let i = 0;
  for (; i < args.length; i++) {
    const word = args[i];
    if (word === "--") {
      i++;
      break;
    }
    if (word === "-q") {
      flushQueue = true;
      continue;
    }
    if (!word.startsWith("-") || word === "-") break;
    for (let at = 1; at < word.length; at++) {
      const option = word[at];
      if (WITH_VALUE.has(option)) {
        let value = word.slice(at + 1);
        if (value === "") {
          if (i + 1 >= args.length) {
            throw usage(`option requires an argument -- '${option}'`);
          }
          value = args[++i];
        }
        apply(draft, option, value);
        break;
      }
      if (!FLAGS.has(option)) throw usage(`invalid option -- '${option}'`);
      apply(draft, option, "");
    }
  }
  const recipients = args.slice(i);
  let mode = draft.mode;
  if (flushQueue && mode !== "daemon") mode = "flush";
  if (draft.flushSite !== undefined) {
    if (mode !== "enqueue") {
      throw usage("-qR can be used only in delivery mode");
    }
    mode = "flush";
  }
  if (draft.queueInterval && mode !== "daemon") mode = "ignore";
  if (draft.extractRecipients && mode !== "enqueue") {
    throw usage("-t can be used only in delivery mode");
  }
  if (mode === "verify") {
    if (draft.notify) throw usage("-N option cannot be used with -bv");
    if (draft.ret) throw usage("-R option cannot be used with -bv");
  }
  const noRecipients: Partial<Record<SendmailMode, string>> = {
    "mailq": "display queue mode requires no recipient",
    "newaliases": "alias initialization mode requires no recipient",
    "flush": "flush queue mode requires no recipient",
    "stand-alone": "stand-alone mode requires no recipient",
    "daemon": "daemon mode requires no recipient",
  };
  const refusal = noRecipients[mode];
  if (refusal !== undefined && recipients.length > 0) throw usage(refusal);
  return {
    mode,
    extractRecipients: draft.extractRecipients,
    dotEndsMessage: draft.dotEndsMessage,
    verbose: draft.verbose,
    recipients,
    warnings: draft.warnings,
    ...(draft.sender === undefined ? {} : { sender: draft.sender }),
    ...(draft.fullName === undefined ? {} : { fullName: draft.fullName }),
    ...(draft.notify === undefined ? {} : { notify: draft.notify }),
    ...(draft.ret === undefined ? {} : { ret: draft.ret }),
    ...(draft.envid === undefined ? {} : { envid: draft.envid }),
    ...(draft.bodyType === undefined ? {} : { bodyType: draft.bodyType }),
    ...(draft.configPath === undefined ? {} : { configPath: draft.configPath }),
    ...(draft.aliasFile === undefined ? {} : { aliasFile: draft.aliasFile }),
    ...(draft.flushSite === undefined ? {} : { flushSite: draft.flushSite }),
  };
}
