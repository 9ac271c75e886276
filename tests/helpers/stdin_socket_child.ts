/**
 * Child for tests/integration/stdin_socket_test.ts: takes over fd 0 with
 * `openStdinConnection`, sends a JSON line with what it found, then
 * echoes the first line it reads in upper case and closes. With no socket
 * on fd 0 it prints `{"socket":false}` on stdout.
 */
import { openStdinConnection } from "../../src/net/stdin_socket.ts";

const connection = openStdinConnection();
const encoder = new TextEncoder();
if (connection === undefined) {
  await Deno.stdout.write(encoder.encode('{"socket":false}\n'));
} else {
  const { stream, remoteAddress, localAddress } = connection;
  const found = { socket: true, remoteAddress, localAddress };
  await stream.write(encoder.encode(JSON.stringify(found) + "\n"));
  let line = "";
  const buffer = new Uint8Array(2);
  while (!line.endsWith("\n")) {
    const n = await stream.read(buffer);
    if (n === null) break;
    line += new TextDecoder().decode(buffer.subarray(0, n));
  }
  await stream.write(encoder.encode(line.toUpperCase()));
  stream.close();
}
