/**
 * Reads mailboxes with Python's `mailbox` module (an independent reader).
 *
 * Maildir messages come back as the raw file bytes. mbox messages come
 * back as Python returns them (without the `From ` line, still quoted);
 * `unquoteMboxrd` undoes the mboxrd quoting, which Python does not.
 */

const SCRIPT = `
import base64, json, mailbox, sys
kind, path = sys.argv[1], sys.argv[2]
if kind == "maildir":
    box = mailbox.Maildir(path, factory=None, create=False)
    keys = sorted(box.keys())
else:
    box = mailbox.mbox(path, create=False)
    keys = list(box.keys())
out = []
for key in keys:
    entry = {"bytes": base64.b64encode(box.get_bytes(key)).decode()}
    if kind == "mbox":
        entry["from"] = box.get_message(key).get_from()
    out.append(entry)
print(json.dumps(out))
`;

/** One message as Python read it. */
export interface PythonMessage {
  readonly bytes: Uint8Array;
  /** mbox only: the `From ` line's text after `From `. */
  readonly from?: string;
}

/** True when python3 can be run; in CI its absence is a failure. */
export async function havePython(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("python3", {
      args: ["-c", "import mailbox"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (success) return true;
  } catch {
    // Not installed: handled below.
  }
  if (Deno.env.get("CI") === "true") throw new Error("python3 is required");
  console.warn("python3 not found: skipping the Python mailbox checks");
  return false;
}

/** Reads every message of a Maildir or mbox with Python. */
export async function readWithPython(
  kind: "maildir" | "mbox",
  path: string,
): Promise<PythonMessage[]> {
  const { success, stdout, stderr } = await new Deno.Command("python3", {
    args: ["-c", SCRIPT, kind, path],
  }).output();
  if (!success) {
    throw new Error(`python3 failed: ${new TextDecoder().decode(stderr)}`);
  }
  const parsed = JSON.parse(new TextDecoder().decode(stdout)) as {
    bytes: string;
    from?: string;
  }[];
  return parsed.map((m) => ({
    bytes: Uint8Array.from(atob(m.bytes), (c) => c.charCodeAt(0)),
    from: m.from,
  }));
}

/** Undoes mboxrd quoting: one `>` less on every /^>+From / line. */
export function unquoteMboxrd(text: string): string {
  return text.replace(/^>(>*From )/gm, "$1");
}
