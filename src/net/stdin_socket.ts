/**
 * The connection on standard input, for servers run by inetd.
 *
 * DESCRIPTION
 *   inetd, xinetd and tcpserver start one server process per connection
 *   with the accepted socket as its standard input and output.
 *   `openStdinConnection` finds out whether fd 0 is a socket and, if so,
 *   takes it over as a `node:net` socket: the kernel then tells its peer
 *   and local address (getpeername, getsockname — authoritative, unlike
 *   anything in the environment), and the session reads and writes the
 *   socket itself (`socket_stream.ts`), which is also what a TLS upgrade
 *   runs over. The /proc tables would tell the same, but the Deno sandbox
 *   opens /proc only to --allow-all.
 *
 *   `inetdClientAddress` picks the client's address for the session: the
 *   socket's peer, else the variables a super-server sets when the peer is
 *   not known from the socket (`TCPREMOTEIP`, ucspi-tcp's tcpserver;
 *   `REMOTE_HOST`, xinetd), else `unknown`, which is never on loopback.
 *
 *   Used by `mailsrv pop3 --inetd`. Needs no permission (fstat and the
 *   socket calls work on an open descriptor); the caller reads the
 *   environment.
 *
 *   Does NOT look up host names, trust the variables over the socket, or
 *   accept connections (the super-server did).
 */
import fs from "node:fs";
import net from "node:net";
import { type SocketByteStream, socketStream } from "./socket_stream.ts";

/** The socket on fd 0, taken over for a session. */
export interface StdinConnection {
  /** Reads and writes the socket (fd 0 is closed when it closes). */
  readonly stream: SocketByteStream;
  /** The client's IP as the kernel gives it; undefined if not TCP. */
  readonly remoteAddress: string | undefined;
  /** The address the super-server accepted on; undefined if not TCP. */
  readonly localAddress: string | undefined;
}

/**
 * fd `fd` as a connection when it is a socket; undefined for a pipe, a
 * file or a terminal (then the caller keeps using stdin and stdout).
 */
export function openStdinConnection(fd = 0): StdinConnection | undefined {
  try {
    if (!fs.fstatSync(fd).isSocket()) return undefined;
  } catch {
    return undefined; // Closed or not a descriptor at all.
  }
  const socket = new net.Socket({ fd, readable: true, writable: true });
  return {
    stream: socketStream(socket),
    remoteAddress: socket.remoteAddress || undefined,
    localAddress: socket.localAddress || undefined,
  };
}

/**
 * The client's address for a session on stdin: the socket's peer, else
 * `$TCPREMOTEIP`, else `$REMOTE_HOST`, else `unknown`.
 * @param env reads one environment variable
 */
export function inetdClientAddress(
  socketPeer: string | undefined,
  env: (name: string) => string | undefined,
): string {
  return socketPeer || env("TCPREMOTEIP") || env("REMOTE_HOST") || "unknown";
}
