/**
 * Sending one DNS query to one server: UDP, or TCP for a truncated answer.
 *
 * DESCRIPTION
 *   `askUdp` sends the query from a fresh socket (a random source port
 *   per query, RFC 5452) and waits up to `timeout` for an answer from that
 *   server that `accepts` (the caller matches the query id and question;
 *   anything else is ignored, not taken as the answer). `askTcp` sends the
 *   query with its two-byte length prefix (RFC 1035 §4.2.2; RFC 7766) and
 *   reads one answer. Both reject with `DnsTransportError` on a timeout or
 *   a network error; neither retries (the resolver decides that).
 *
 *   Used by the resolver. Needs net access to the DNS servers.
 */
import { joinBytes } from "../common/join_bytes.ts";
import { createSocket } from "node:dgram";
import { isIPv6, Socket } from "node:net";
import type { NameServer } from "./resolv_conf.ts";

/** No usable answer from one server: timeout, refused connection, … */
export class DnsTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DnsTransportError";
  }
}

/** Largest DNS message over TCP. */
const MAX_TCP_MESSAGE = 65535;

function label(server: NameServer): string {
  return isIPv6(server.address)
    ? `[${server.address}]:${server.port}`
    : `${server.address}:${server.port}`;
}

/** Ends a wait: with an error, or with the answer. */
type Settle = (error: Error | null, answer?: Uint8Array) => void;

/** What both socket kinds offer (node:dgram and node:net sockets). */
interface AskingSocket {
  on(event: "error", listener: (error: Error) => void): unknown;
  removeAllListeners(): unknown;
}

/**
 * One wait for one answer: the timeout, the socket's errors, a single
 * settlement, then the socket closed and its late errors ignored.
 * @param start sends the query and settles when the answer is whole
 */
function awaitAnswer(
  server: NameServer,
  timeout: number,
  socket: AskingSocket,
  close: () => void,
  start: (settle: Settle) => void,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const settle: Settle = (error, answer) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      close();
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(
      () => settle(new DnsTransportError(`no answer from ${label(server)}`)),
      timeout,
    );
    socket.on("error", (error) =>
      settle(
        new DnsTransportError(`cannot ask ${label(server)}: ${error.message}`),
      ));
    start(settle);
  });
}

/**
 * Sends `query` over UDP and waits for an accepted answer.
 * @param accepts whether a datagram is the answer to this query
 */
export function askUdp(
  server: NameServer,
  query: Uint8Array,
  timeout: number,
  accepts: (answer: Uint8Array) => boolean,
): Promise<Uint8Array> {
  const socket = createSocket(isIPv6(server.address) ? "udp6" : "udp4");
  return awaitAnswer(
    server,
    timeout,
    socket,
    () => socket.close(),
    (settle) => {
      socket.on("message", (message, from) => {
        if (from.port !== server.port) return;
        const answer = new Uint8Array(message);
        if (accepts(answer)) settle(null, answer);
      });
      socket.send(query, server.port, server.address, (error) => {
        if (error) {
          settle(
            new DnsTransportError(
              `cannot ask ${label(server)}: ${error.message}`,
            ),
          );
        }
      });
    },
  );
}

/** Sends `query` over TCP and reads one length-prefixed answer. */
export function askTcp(
  server: NameServer,
  query: Uint8Array,
  timeout: number,
): Promise<Uint8Array> {
  const socket = new Socket();
  return awaitAnswer(
    server,
    timeout,
    socket,
    () => socket.destroy(),
    (settle) => {
      const chunks: Uint8Array[] = [];
      let received = 0;
      socket.on("data", (data: Uint8Array) => {
        chunks.push(data);
        received += data.length;
        if (received < 2) return;
        const whole = concat(chunks);
        const length = (whole[0] << 8) | whole[1];
        if (received >= 2 + length) settle(null, whole.subarray(2, 2 + length));
        else if (length > MAX_TCP_MESSAGE) {
          settle(
            new DnsTransportError(`oversized answer from ${label(server)}`),
          );
        }
      });
      socket.on("end", () =>
        settle(
          new DnsTransportError(`${label(server)} closed the connection`),
        ));
      socket.connect(server.port, server.address, () => {
        const framed = new Uint8Array(query.length + 2);
        framed[0] = query.length >> 8;
        framed[1] = query.length & 0xff;
        framed.set(query, 2);
        socket.write(framed);
      });
    },
  );
}

/** `chunks` as one array, which then stands in their place. */
function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const whole = joinBytes(chunks);
  chunks.splice(0, chunks.length, whole);
  return whole;
}
