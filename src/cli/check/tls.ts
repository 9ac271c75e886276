/**
 * `mailsrv check`: the TLS certificate and key.
 *
 * DESCRIPTION
 *   When pop3_tls_cert_file or pop3_tls_key_file is set (or a pop3s
 *   listener needs them), both must be set, load as PEM, and belong
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
): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    findings.error(
      `pop3_tls_cert_file: "${path}" holds no PEM certificate (${
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
): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    findings.error(
      `pop3_tls_key_file: "${path}" holds no PEM private key (${
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
): void {
  const from = new Date(certificate.validFrom).getTime();
  const to = new Date(certificate.validTo).getTime();
  const where = `pop3_tls_cert_file: "${path}" (${certificate.subject})`;
  if (to < now) {
    findings.error(`${where} expired on ${certificate.validTo}`);
  } else if (from > now) {
    findings.error(`${where} is not valid before ${certificate.validFrom}`);
  } else if (to - now < EXPIRY_WARNING_DAYS * DAY_MS) {
    findings.warning(`${where} expires on ${certificate.validTo}`);
  }
}

/** Checks the POP3 TLS files. */
export async function checkTls(
  config: Config,
  findings: Findings,
  now: number = Date.now(),
): Promise<void> {
  const certFile = config.pop3_tls_cert_file;
  const keyFile = config.pop3_tls_key_file;
  const needed = config.listeners.some((l) => l.kind === "pop3s");
  if (!certFile && !keyFile) {
    if (needed) {
      findings.error(
        "pop3_tls_cert_file: not set, but a pop3s listener needs it",
      );
    }
    return;
  }
  if (!certFile || !keyFile) {
    findings.error(
      `${certFile ? "pop3_tls_key_file" : "pop3_tls_cert_file"}: not set, ` +
        `but ${certFile ? "pop3_tls_cert_file" : "pop3_tls_key_file"} is`,
    );
    return;
  }
  const certPem = await readPem("pop3_tls_cert_file", certFile, findings);
  const keyPem = await readPem("pop3_tls_key_file", keyFile, findings);
  const certificate = certPem === undefined
    ? undefined
    : certificateOf(certFile, certPem, findings);
  const key = keyPem === undefined
    ? undefined
    : keyOf(keyFile, keyPem, findings);
  if (certificate) checkValidity(certFile, certificate, now, findings);
  if (certificate && key && !certificate.checkPrivateKey(key)) {
    findings.error(
      `pop3_tls_key_file: "${keyFile}" is not the key of the certificate ` +
        `in "${certFile}"`,
    );
  }
  const info = await Deno.stat(keyFile).catch(() => undefined);
  if (info?.mode != null && (info.mode & 0o004) !== 0) {
    findings.warning(
      `pop3_tls_key_file: "${keyFile}" is readable by everyone`,
    );
  }
}
