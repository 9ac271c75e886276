/**
 * The socket a super-server hands over on fd 0, taken over by
 * `openStdinConnection` in mailsrv's sandbox (a child process per case).
 */
import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";

const CHILD = fromFileUrl(
  new URL("../helpers/stdin_socket_child.ts", import.meta.url),
);
const DENO_JSON = fromFileUrl(new URL("../../deno.json", import.meta.url));

/**
 * Runs the child in mailsrv's sandbox with fd 0 as Python makes it
 * (`tcp`: an accepted loopback connection, `unix`: a socketpair, `pipe`),
 * sends `ping` once the child has spoken, and reports what came back.
 */
async function underPython(kind: "tcp" | "unix" | "pipe") {
  const child = [
    Deno.execPath(),
    "run",
    "--quiet",
    `--config=${DENO_JSON}`,
    "--permission-set=mailsrv",
    CHILD,
  ];
  const script = `
import json, socket, subprocess, sys
kind, child = sys.argv[1], sys.argv[2:]
if kind == "pipe":
    out = subprocess.run(child, input=b"", stdout=subprocess.PIPE, check=True)
    print(json.dumps({"stdout": out.stdout.decode()}))
    sys.exit()
if kind == "tcp":
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    port = client.getsockname()[1]
else:
    client, server = socket.socketpair()
    port = None
proc = subprocess.Popen(child, stdin=server, stdout=subprocess.DEVNULL)
server.close()
reader = client.makefile("rb")
first = reader.readline().decode()
client.sendall(b"ping\\n")
rest = reader.read().decode()
proc.wait()
print(json.dumps({"port": port, "first": first, "rest": rest, "code": proc.returncode}))
`;
  const out = await new Deno.Command("python3", {
    args: ["-c", script, kind, ...child],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.ok(out.success, dec.decode(out.stderr));
  return JSON.parse(dec.decode(out.stdout));
}

Deno.test("a TCP socket on stdin: its peer and local address, and it carries the session", async () => {
  const r = await underPython("tcp");
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.first), {
    socket: true,
    remoteAddress: "127.0.0.1",
    localAddress: "127.0.0.1",
  });
  assert.equal(r.rest, "PING\n", "read and write go over the socket");
});

Deno.test("a Unix socket on stdin carries the session but has no IP", async () => {
  const r = await underPython("unix");
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.first), { socket: true });
  assert.equal(r.rest, "PING\n");
});

Deno.test("a pipe on stdin is not a connection: stdin and stdout stay in use", async () => {
  const r = await underPython("pipe");
  assert.equal(r.stdout, '{"socket":false}\n');
});
