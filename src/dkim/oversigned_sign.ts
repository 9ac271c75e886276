/**
 * mailauth's DKIM signer with From oversigned (RFC 6376 sections 5.4.2, 8.15).
 *
 * DESCRIPTION
 *   `oversignedDkimSign(input, options)` is mailauth's `dkimSign` whose h=
 *   names From once more than the message has From fields. A verifier
 *   takes the extra name as a field that does not exist and hashes
 *   nothing for it (section 5.4.2), so the signature holds as sent; a From
 *   added on the way is then the field that name stands for, its text
 *   enters the hash, and the signature fails. Without it a second From
 *   put above the signed one leaves the signature valid while many
 *   readers show the added one.
 *
 *   mailauth 7.1 has no option for this, and a name repeated in its
 *   `headerList` changes nothing when signing (it signs each present
 *   field once). It builds h= from each signed field's `casedKey`, in the
 *   order it hashes them, bottom field first. So the top From's
 *   `casedKey` becomes `From: From`: h= gains the extra name right after
 *   the last From it lists, while the bytes hashed stay those of the
 *   present fields — what a verifier hashes for that h=.
 *
 *   Used by the signer (signer.ts). No I/O besides reading `input`.
 *
 *   Does NOT oversign other fields, and relies on mailauth 7.1's
 *   internals (`DkimSigner.messageHeaders`, `casedKey`); the tests check
 *   the h= it makes and verify it with dkimpy and OpenDKIM.
 */
import { DkimSigner as UntypedSigner } from "mailauth/lib/dkim/dkim-signer.js";
import { writeToStream } from "mailauth/lib/tools.js";
import type { dkimSign } from "mailauth/lib/dkim/sign.js";

type SignResult = Awaited<ReturnType<typeof dkimSign>>;

/** What is used here of mailauth's signer, which ships no typings. */
interface Signer extends NodeJS.WritableStream {
  messageHeaders(headers: { parsed: ParsedField[] }): Promise<void>;
  readonly signatureHeaders: string[];
  readonly arc: SignResult["arc"];
  readonly errors: SignResult["errors"];
  readonly warnings: SignResult["warnings"];
}

const DkimSigner = UntypedSigner as unknown as new (
  options: Parameters<typeof dkimSign>[1],
) => Signer;

/** The fields signed once more than they occur. */
const OVERSIGNED = ["from"];

interface ParsedField {
  key: string | null;
  casedKey?: string;
}

/** Adds the extra name to the top field of each oversigned name. */
export function oversign(parsed: ParsedField[]): void {
  for (const name of OVERSIGNED) {
    const top = parsed.find((field) => field.key === name);
    if (top !== undefined) top.casedKey = `${top.casedKey}: ${top.casedKey}`;
  }
}

class OversigningSigner extends DkimSigner {
  override messageHeaders(headers: { parsed: ParsedField[] }) {
    oversign(headers.parsed);
    return super.messageHeaders(headers);
  }
}

/** mailauth's `dkimSign`, with From oversigned (module comment). */
export const oversignedDkimSign: typeof dkimSign = async (input, options) => {
  const signer = new OversigningSigner(options);
  await writeToStream(signer, input);
  const headers = signer.signatureHeaders;
  return {
    signatures: headers.length > 0 ? headers.join("\r\n") + "\r\n" : "",
    arc: signer.arc,
    errors: signer.errors,
    warnings: signer.warnings,
  };
};
