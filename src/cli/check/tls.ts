/**
 * `mailsrv check`: the TLS certificate and key.
 *
 * DESCRIPTION
 *   When pop3_tls_cert_file or pop3_tls_key_file is set (or a pop3s
 *   listener needs them), and likewise for smtpd_tls_cert_file and
 *   smtpd_tls_key_file (global, or a listener's own; an smtps listener
 *   needs them; smtpd_tls_chain_files must load), both must be set, load as PEM, and belong
 *   together (the certificate's public key matches the private key). The
 *   first certificate of the file (the server's; the rest is its chain)
 *   must be valid now: not yet valid or expired is an error, expiring
 *   within `EXPIRY_WARNING_DAYS` a warning. A key file others may read is
 *   a warning.
 *
 *   Uses node:crypto's X509Certificate and createPrivateKey. Reads the
 *   files; creates nothing.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import type { Config } from "../../config/types.ts";
import { type Findings, reasonOf } from "./findings.ts";
import {
  isSmtpdKind,
  listenerConfig,
} from "../../config/listener_parameters.ts";
import { loadTlsChainFiles } from "../../net/server_tls.ts";

/** Days before expiry from which a certificate is reported. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

async function readPem(
  parameter: string,
  path: string,
  findings: Findings,
): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    findings.error(`${parameter}: cannot read "${path}": ${reasonOf(error)}`);
    return undefined;
  }
}

/** The first certificate of a PEM file, or undefined (reported). */
function certificateOf(
  path: string,
  pem: string,
  findings: Findings,
  names: TlsNames,
): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    findings.error(
      `${names.cert}: "${path}" holds no PEM certificate (${
        (error as Error).message
      })`,
    );
    return undefined;
  }
}

/** The private key of a PEM file, or undefined (reported). */
function keyOf(
  path: string,
  pem: string,
  findings: Findings,
  names: TlsNames,
): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    findings.error(
      `${names.key}: "${path}" holds no PEM private key (${
        (error as Error).message
      })`,
    );
    return undefined;
  }
}

/** Reports a certificate not valid at `now` or expiring soon. */
function checkValidity(
  path: string,
  certificate: X509Certificate,
  now: number,
  findings: Findings,
  names: TlsNames,
): void {
  const from = new Date(certificate.validFrom).getTime();
  const to = new Date(certificate.validTo).getTime();
  const where = `${names.cert}: "${path}" (${certificate.subject})`;
  if (to < now) {
    findings.error(`${where} expired on ${certificate.validTo}`);
  } else if (from > now) {
    findings.error(`${where} is not valid before ${certificate.validFrom}`);
  } else if (to - now < EXPIRY_WARNING_DAYS * DAY_MS) {
    findings.warning(`${where} expires on ${certificate.validTo}`);
  }
}

/** The parameters a certificate and key come from, for messages. */
interface TlsNames {
  readonly cert: string;
  readonly key: string;
}

const POP3_NAMES = { cert: "pop3_tls_cert_file", key: "pop3_tls_key_file" };
const SMTPD_NAMES = {
  cert: "smtpd_tls_cert_file",
  key: "smtpd_tls_key_file",
};

/** Checks the POP3 TLS files and those of every smtpd listener. */
export async function checkTls(
  config: Config,
  findings: Findings,
  now: number = Date.now(),
): Promise<void> {
  await checkPair(
    POP3_NAMES,
    config.pop3_tls_cert_file,
    config.pop3_tls_key_file,
    config.listeners.some((l) => l.kind === "pop3s")
      ? "a pop3s listener"
      : null,
    findings,
    now,
  );
  // The global smtpd files, then each listener's own, each pair once.
  const seen = new Set<string>();
  const smtpd = config.listeners.filter((l) => isSmtpdKind(l.kind));
  for (const listener of [null, ...smtpd]) {
    const session = listener ? listenerConfig(config, listener) : config;
    const pair = JSON.stringify([
      session.smtpd_tls_cert_file,
      session.smtpd_tls_key_file,
      session.smtpd_tls_chain_files,
    ]);
    const needed = session.smtpd_tls_wrappermode
      ? `the ${listener?.kind} listener on port ${listener?.port}`
      : null;
    if (seen.has(pair) && needed === null) continue;
    seen.add(pair);
    if (session.smtpd_tls_chain_files.length > 0) {
      await loadTlsChainFiles(
        session.smtpd_tls_chain_files,
        "smtpd_tls_chain_files",
      ).catch((e) => findings.error((e as Error).message));
      continue;
    }
    await checkPair(
      SMTPD_NAMES,
      session.smtpd_tls_cert_file,
      // Empty: the key is in the certificate file, as Postfix's default.
      session.smtpd_tls_key_file || session.smtpd_tls_cert_file,
      needed,
      findings,
      now,
    );
  }
}

/** Checks one certificate and key; `neededBy` says who needs them. */
async function checkPair(
  names: TlsNames,
  certFile: string,
  keyFile: string,
  neededBy: string | null,
  findings: Findings,
  now: number,
): Promise<void> {
  if (!certFile && !keyFile) {
    if (neededBy !== null) {
      findings.error(`${names.cert}: not set, but ${neededBy} needs it`);
    }
    return;
  }
  if (!certFile || !keyFile) {
    findings.error(
      `${certFile ? names.key : names.cert}: not set, ` +
        `but ${certFile ? names.cert : names.key} is`,
    );
    return;
  }
  const certPem = await readPem(names.cert, certFile, findings);
  const keyPem = await readPem(names.key, keyFile, findings);
  const certificate = certPem === undefined
    ? undefined
    : certificateOf(certFile, certPem, findings, names);
  const key = keyPem === undefined
    ? undefined
    : keyOf(keyFile, keyPem, findings, names);
  if (certificate) checkValidity(certFile, certificate, now, findings, names);
  if (certificate && key && !certificate.checkPrivateKey(key)) {
    findings.error(
      `${names.key}: "${keyFile}" is not the key of the certificate ` +
        `in "${certFile}"`,
    );
  }
  const info = await Deno.stat(keyFile).catch(() => undefined);
  if (info?.mode != null && (info.mode & 0o004) !== 0) {
    findings.warning(
      `${names.key}: "${keyFile}" is readable by everyone`,
    );
  }
}
