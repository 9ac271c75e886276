/**
 * A classic Postfix + vm-pop3d virtual setup for tests: two domains under
 * one mailbox base, one mbox user and one Maildir user, and per-domain
 * passwd files made with Debian's `htpasswd` (`-B` bcrypt and `-m` apr1).
 */
import { join } from "node:path";

/** What `virtualSetup` made. */
export interface VirtualSetup {
  readonly home: string;
  readonly base: string;
  /** mailsrv parameters for this setup. */
  readonly params: Record<string, string>;
}

async function htpasswd(args: string[]): Promise<void> {
  const r = await new Deno.Command("htpasswd", {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(`htpasswd: ${new TextDecoder().decode(r.stderr)}`);
  }
}

/** Writes the maps and passwd files of the classic recipe into `home`. */
export async function virtualSetup(home: string): Promise<VirtualSetup> {
  const base = join(home, "virtual");
  await Deno.mkdir(join(base, "one.test"), { recursive: true });
  await Deno.mkdir(join(base, "two.test"), { recursive: true });
  await Deno.writeTextFile(
    join(home, "vdomains"),
    "# virtual domains\none.test\nTwo.Test   virtual\n",
  );
  await Deno.writeTextFile(
    join(home, "vmailbox"),
    "alice@one.test  one.test/alice\nbob@two.test    two.test/bob/\n",
  );
  await htpasswd([
    "-B",
    "-b",
    "-c",
    join(base, "one.test", "passwd"),
    "alice",
    "secret1",
  ]);
  await htpasswd([
    "-m",
    "-b",
    "-c",
    join(base, "two.test", "passwd"),
    "bob",
    "secret2",
  ]);
  const uid = Deno.uid() === 0 ? 200 : Deno.uid()!;
  const gid = Deno.uid() === 0 ? 200 : Deno.gid()!;
  return {
    home,
    base,
    params: {
      mydestination: "localhost",
      virtual_mailbox_domains: `hash:${join(home, "vdomains")}`,
      virtual_mailbox_base: base,
      virtual_mailbox_maps: `hash:${join(home, "vmailbox")}`,
      virtual_uid_maps: `static:${uid}`,
      virtual_gid_maps: `static:${gid}`,
      pop3_passwd_directory: base,
    },
  };
}
