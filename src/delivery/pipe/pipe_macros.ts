/**
 * pipe(8) command-line macros: `${sender}`, `${recipient}`, … in argv.
 *
 * DESCRIPTION
 *   Each argv element of a pipe transport has its `${name}` macros
 *   replaced, as Postfix's pipe(8) does, once per delivery (mailsrv hands
 *   a pipe transport one recipient at a time, Postfix's
 *   `transport_destination_recipient_limit = 1`):
 *
 *     ${sender}              envelope sender; null_sender for <>
 *     ${recipient}           the recipient address
 *     ${original_recipient}  the recipient as first received (ORCPT)
 *     ${user}                recipient local part without the extension
 *     ${extension}           the extension (after recipient_delimiter)
 *     ${mailbox}             the whole recipient local part
 *     ${domain}              the recipient domain
 *     ${nexthop}             the transport's nexthop (the domain if empty)
 *     ${size}                the message size in bytes
 *     ${queue_id}            the queue ID
 *     ${client_address}, ${client_hostname}, ${client_helo},
 *     ${client_protocol}     the client that sent the message
 *
 *   Flags: `h` folds ${domain} and ${nexthop} (and the recipient's
 *   domain) to lower case, `u` folds ${user}, ${mailbox} and the
 *   recipient's local part; `q` quotes a local part that needs it as
 *   RFC 5322 does (`"first last"@example.com`) in ${sender} and
 *   ${recipient}. Each element is passed as one argument: nothing is
 *   interpreted by a shell, so a macro value cannot inject arguments.
 *
 *   Used by the pipe agent (`pipe_agent.ts`); the names are checked when
 *   the configuration is loaded (`config/transports.ts` PIPE_MACRO_NAMES,
 *   which lists the same names). Pure.
 */
import { splitExtension } from "../../resolve/local_part.ts";

/** What the macros are made of. */
export interface PipeMacroFacts {
  readonly sender: string;
  readonly recipient: string;
  readonly originalRecipient?: string;
  readonly nexthop: string;
  readonly size: number;
  readonly queueId: string;
  /** recipient_delimiter. */
  readonly delimiter: string;
  /** null_sender=. */
  readonly nullSender: string;
  readonly client?: {
    readonly name: string;
    readonly address: string;
    readonly helo: string;
    readonly protocol: string;
  };
}

const MACRO = /\$\{([a-z_]+)\}/g;
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;

/** Splits an address at its last `@`. */
function split(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf("@");
  return at < 0
    ? { local: address, domain: "" }
    : { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** The local part, quoted when it is not a dot-atom (flag q). */
function quoteLocal(local: string): string {
  const plain = ATOM.test(local) && !local.startsWith(".") &&
    !local.endsWith(".") && !local.includes("..");
  return plain ? local : `"${local.replace(/(["\\])/g, "\\$1")}"`;
}

/** An address with the flags' folding and quoting. */
function shaped(address: string, flags: string): string {
  if (address === "") return "";
  let { local, domain } = split(address);
  if (flags.includes("u")) local = local.toLowerCase();
  if (flags.includes("h")) domain = domain.toLowerCase();
  if (flags.includes("q")) local = quoteLocal(local);
  return domain === "" ? local : `${local}@${domain}`;
}

/** Every macro's value for one delivery. */
export function pipeMacroValues(
  facts: PipeMacroFacts,
  flags: string,
): Record<string, string> {
  const folded = (text: string, flag: string) =>
    flags.includes(flag) ? text.toLowerCase() : text;
  const { local, domain } = split(facts.recipient);
  const parts = splitExtension(local, facts.delimiter);
  const client = facts.client;
  return {
    sender: facts.sender === ""
      ? facts.nullSender
      : shaped(facts.sender, flags.replace(/[hu]/g, "")),
    recipient: shaped(facts.recipient, flags),
    original_recipient: shaped(
      facts.originalRecipient ?? facts.recipient,
      flags,
    ),
    user: folded(parts.user, "u"),
    extension: parts.extension ?? "",
    mailbox: folded(local, "u"),
    domain: folded(domain, "h"),
    nexthop: folded(facts.nexthop || domain, "h"),
    size: String(facts.size),
    queue_id: facts.queueId,
    client_address: client?.address ?? "",
    client_hostname: client?.name ?? "",
    client_helo: client?.helo ?? "",
    client_protocol: client?.protocol ?? "",
  };
}

/** `argv` with every macro replaced. */
export function expandPipeArgv(
  argv: readonly string[],
  values: Readonly<Record<string, string>>,
): string[] {
  return argv.map((word) =>
    word.replace(MACRO, (whole, name: string) => values[name] ?? whole)
  );
}
