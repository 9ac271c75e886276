/**
 * TLS certificates loaded once per configuration.
 *
 * DESCRIPTION
 *   `tlsContextFor(generation, files)` loads a certificate and key (or
 *   chain files) the first time a configuration asks for them and gives
 *   the same context to every later session of that configuration. The
 *   configuration object is the generation: a reload makes a new one, so
 *   the files are read anew (a renewed certificate, or new file names
 *   from `postconf -e`), and sessions that started before keep the
 *   context they have. Contexts of configurations no longer in use are
 *   collected with them (WeakMap).
 *
 *   A failed load is not kept: the next session tries again, so a
 *   certificate put in place later is found without a reload.
 *
 *   Used by the pop3d and smtpd listeners, and by the master to check the
 *   files before a reload is applied. Needs --allow-read for the files.
 */
import {
  loadTlsChainFiles,
  loadTlsContext,
  type TlsContext,
  type TlsFileNames,
} from "./server_tls.ts";

/** Where a certificate comes from, and the parameters that named it. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  /** Key-and-chain files; used instead of cert and key when not empty. */
  readonly chain?: readonly string[];
  readonly names: TlsFileNames & { readonly chain?: string };
}

const loaded = new WeakMap<object, Map<string, Promise<TlsContext | null>>>();

/**
 * The context for `files` under configuration `generation`; null when no
 * certificate is configured.
 * @throws Error naming the file when it cannot be read or used
 */
export function tlsContextFor(
  generation: object,
  files: TlsFiles,
): Promise<TlsContext | null> {
  let contexts = loaded.get(generation);
  if (contexts === undefined) {
    contexts = new Map();
    loaded.set(generation, contexts);
  }
  const key = JSON.stringify([files.cert, files.key, files.chain ?? []]);
  const known = contexts.get(key);
  if (known !== undefined) return known;
  const chain = files.chain ?? [];
  const loading = chain.length > 0
    ? loadTlsChainFiles(chain, files.names.chain ?? "chain files")
    : loadTlsContext(files.cert, files.key, files.names);
  contexts.set(key, loading);
  loading.catch(() => contexts.delete(key));
  return loading;
}
