/**
 * A DNS server for tests, on loopback: answers from a table, and fails on
 * purpose (NXDOMAIN, SERVFAIL, REFUSED, truncation, silence).
 *
 * `startDnsServer(zone)` listens on UDP and TCP on 127.0.0.1 (one port
 * for both) and answers each question from `zone`:
 *
 *   records     name → answers (dns-packet form); a name with no answer of
 *               the asked type is "no data" (NOERROR, empty)
 *   nxdomain    names that do not exist (RCODE 3); so does every name not
 *               in `records` when `strict` is set
 *   servfail    names answered SERVFAIL; `refused` likewise REFUSED
 *   truncate    names whose UDP answer is truncated (TC, no records); the
 *               TCP answer is whole
 *   silent      names never answered
 *   spoof       names whose UDP answer follows a forged one with the
 *               wrong query id
 *
 * The zone object may be changed while the server runs. `asked` records
 * every question as "TYPE name/udp|tcp".
 */
import { createSocket } from "node:dgram";
import { createServer, type Socket } from "node:net";
import {
  type Answer,
  decode,
  encode,
  type Packet,
  TRUNCATED_RESPONSE,
} from "../../src/dns/packet.ts";

/** What the test server answers. */
export interface TestZone {
  records: Record<string, Answer[]>;
  nxdomain?: string[];
  servfail?: string[];
  refused?: string[];
  truncate?: string[];
  silent?: string[];
  /** Names whose real UDP answer is preceded by a forged one (wrong id, 192.0.2.66). */
  spoof?: string[];
  /** Every name not in `records` is NXDOMAIN. */
  strict?: boolean;
}

/** A running test DNS server. */
export interface TestDnsServer {
  readonly port: number;
  /** A resolv.conf line naming this server. */
  readonly nameserverLine: string;
  readonly asked: string[];
  close(): Promise<void>;
}

const RESPONSE = 0x8000;
const RECURSION_AVAILABLE = 0x80;
const RCODES: Record<string, number> = { SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };

function key(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function answer(
  zone: TestZone,
  query: Packet,
  transport: "udp" | "tcp",
  asked: string[],
): Uint8Array | undefined {
  const question = query.questions?.[0];
  if (!question) return undefined;
  const name = key(question.name);
  asked.push(`${question.type} ${name}/${transport}`);
  if (zone.silent?.includes(name)) return undefined;
  let flags = RESPONSE | RECURSION_AVAILABLE | (query.flags ?? 0) & 0x100;
  let rcode = 0;
  let answers: Answer[] = [];
  if (zone.servfail?.includes(name)) rcode = RCODES.SERVFAIL;
  else if (zone.refused?.includes(name)) rcode = RCODES.REFUSED;
  else if (
    zone.nxdomain?.includes(name) ||
    (zone.strict && zone.records[name] === undefined)
  ) rcode = RCODES.NXDOMAIN;
  else if (transport === "udp" && zone.truncate?.includes(name)) {
    flags |= TRUNCATED_RESPONSE;
  } else {
    answers = (zone.records[name] ?? []).filter((a) =>
      a.type === question.type || a.type === "CNAME"
    );
    // Follow CNAMEs as a recursive server would.
    for (const alias of answers.filter((a) => a.type === "CNAME")) {
      const target = key((alias as { data: string }).data);
      answers.push(
        ...(zone.records[target] ?? []).filter((a) => a.type === question.type),
      );
    }
  }
  return encode({
    type: "response",
    id: query.id,
    flags: flags | rcode,
    questions: [question],
    answers,
  });
}

/** Starts the server on an ephemeral loopback port. */
export async function startDnsServer(zone: TestZone): Promise<TestDnsServer> {
  const asked: string[] = [];
  const open = new Set<Socket>();
  const tcp = createServer((socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    let buffered = new Uint8Array(0);
    socket.on("error", () => {});
    socket.on("data", (data: Uint8Array) => {
      const joined = new Uint8Array(buffered.length + data.length);
      joined.set(buffered);
      joined.set(data, buffered.length);
      buffered = joined;
      while (buffered.length >= 2) {
        const length = (buffered[0] << 8) | buffered[1];
        if (buffered.length < 2 + length) break;
        const query = decode(buffered.subarray(2, 2 + length));
        buffered = buffered.subarray(2 + length);
        const reply = answer(zone, query, "tcp", asked);
        if (!reply) continue;
        const framed = new Uint8Array(reply.length + 2);
        framed[0] = reply.length >> 8;
        framed[1] = reply.length & 0xff;
        framed.set(reply, 2);
        socket.write(framed);
      }
    });
  });
  await new Promise<void>((done) => tcp.listen(0, "127.0.0.1", done));
  const port = (tcp.address() as { port: number }).port;
  const udp = createSocket("udp4");
  udp.on("message", (message, from) => {
    let query: Packet;
    try {
      query = decode(new Uint8Array(message));
    } catch {
      return;
    }
    const reply = answer(zone, query, "udp", asked);
    const name = key(query.questions?.[0]?.name ?? "");
    if (reply && zone.spoof?.includes(name)) {
      const forged = encode({
        type: "response",
        id: ((query.id ?? 0) + 1) & 0xffff,
        flags: RESPONSE | RECURSION_AVAILABLE,
        questions: query.questions,
        answers: [{ type: "A", name, data: "192.0.2.66" }],
      });
      udp.send(forged, from.port, from.address);
    }
    if (reply) udp.send(reply, from.port, from.address);
  });
  await new Promise<void>((done, fail) => {
    udp.once("error", fail);
    udp.bind(port, "127.0.0.1", () => done());
  });
  return {
    port,
    nameserverLine: `nameserver 127.0.0.1:${port}`,
    asked,
    async close() {
      await new Promise<void>((done) => udp.close(() => done()));
      for (const socket of open) socket.destroy();
      await new Promise<void>((done) => tcp.close(() => done()));
    },
  };
}
