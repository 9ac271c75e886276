/**
 * Test certificates made with openssl: a CA and a leaf for 127.0.0.1 and
 * localhost (a lone self-signed certificate is refused by rustls).
 */
import { join } from "node:path";

/** Files of a test PKI. */
export interface TestCertificates {
  /** The CA certificate clients trust. */
  readonly caFile: string;
  /** The leaf certificate followed by the CA (the chain a server sends). */
  readonly certFile: string;
  readonly keyFile: string;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(
      `openssl ${args[0]}: ${new TextDecoder().decode(r.stderr)}`,
    );
  }
}

/** Makes a CA and a server certificate in `dir`. */
export async function makeTestCertificates(
  dir: string,
): Promise<TestCertificates> {
  const ec = [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
  ];
  await openssl(
    dir,
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=mailsrv test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  await openssl(
    dir,
    "req",
    ...ec,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  );
  await Deno.writeTextFile(
    join(dir, "server.ext"),
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  );
  const chain = (await Deno.readTextFile(join(dir, "server.pem"))) +
    (await Deno.readTextFile(join(dir, "ca.pem")));
  await Deno.writeTextFile(join(dir, "chain.pem"), chain);
  return {
    caFile: join(dir, "ca.pem"),
    certFile: join(dir, "chain.pem"),
    keyFile: join(dir, "server.key"),
  };
}
