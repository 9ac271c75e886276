import assert from "node:assert/strict";
import {
  directoryCollision,
  mailboxCollision,
  protectedFiles,
  type ProtectedLayout,
  tableFileOf,
} from "../../../src/layout/mod.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

/** The README's layout: password files inside the mailbox base. */
const LAYOUT: ProtectedLayout = {
  passwdDirectory: "/srv/vmail",
  files: [
    { path: "/etc/mailsrv/mailsrv.toml", what: "the configuration file" },
    { path: "/var/spool/mailsrv", what: "the queue directory" },
    { path: "/srv/vmail/vmailbox", what: "the virtual_mailbox_maps table" },
    {
      path: "/srv/secret/one.passwd",
      what: 'the POP3 password file of "one.test"',
      domain: "one.test",
    },
  ],
};

const mbox = (path: string) => ({ format: "mbox" as const, path });
const maildir = (path: string) => ({ format: "maildir" as const, path });

Deno.test("a mailbox that is a password file, by the layout's name", () => {
  assert.equal(
    mailboxCollision(mbox("/srv/vmail/example.com/passwd"), LAYOUT),
    'is the POP3 password file of "example.com"',
  );
  assert.equal(
    mailboxCollision(maildir("/srv/vmail/example.com/passwd/"), LAYOUT),
    'is the POP3 password file of "example.com"',
  );
  assert.match(
    mailboxCollision(maildir("/srv/vmail/example.com/passwd/x"), LAYOUT)!,
    /^sits inside the POP3 password file of "example\.com"/,
  );
});

Deno.test("a Maildir that would hold password files: a domain directory, the directory itself, above it", () => {
  assert.equal(
    mailboxCollision(maildir("/srv/vmail/example.com"), LAYOUT),
    'contains the POP3 password file of "example.com" "/srv/vmail/example.com/passwd"',
  );
  assert.match(
    mailboxCollision(maildir("/srv/vmail"), { ...LAYOUT, files: [] })!,
    /^contains the POP3 password files of pop3_passwd_directory/,
  );
  assert.match(mailboxCollision(maildir("/srv"), LAYOUT)!, /^contains/);
  // An mbox file there holds nothing (the flat layout).
  assert.equal(mailboxCollision(mbox("/srv/vmail/alice"), LAYOUT), undefined);
});

Deno.test("a password file found elsewhere (a link's target) is protected by its real path", () => {
  assert.equal(
    mailboxCollision(mbox("/srv/secret/one.passwd"), LAYOUT),
    'is the POP3 password file of "one.test"',
  );
  assert.match(
    mailboxCollision(maildir("/srv/secret"), LAYOUT)!,
    /^contains the POP3 password file of "one\.test" "\/srv\/secret\/one\.passwd"/,
  );
});

Deno.test("configuration, tables and the queue: be, contain, sit inside", () => {
  assert.equal(
    mailboxCollision(mbox("/etc/mailsrv/mailsrv.toml"), LAYOUT),
    "is the configuration file",
  );
  assert.equal(
    mailboxCollision(mbox("/srv/vmail/vmailbox"), LAYOUT),
    "is the virtual_mailbox_maps table",
  );
  assert.match(
    mailboxCollision(maildir("/etc/mailsrv/"), LAYOUT)!,
    /^contains the configuration file/,
  );
  assert.match(
    mailboxCollision(mbox("/var/spool/mailsrv/incoming/x"), LAYOUT)!,
    /^sits inside the queue directory "\/var\/spool\/mailsrv"/,
  );
  assert.match(
    mailboxCollision(maildir("/var/spool"), LAYOUT)!,
    /^contains the queue directory/,
  );
});

Deno.test("an mbox whose lock file would be a protected file", () => {
  assert.equal(
    mailboxCollision(mbox("/srv/vmail/vmailbox.lock/../vmailbox"), LAYOUT),
    undefined,
    "paths are compared as given (resolved by the caller)",
  );
  const layout: ProtectedLayout = {
    ...LAYOUT,
    files: [{ path: "/srv/vmail/one.test/x.lock", what: "the aliases" }],
  };
  assert.equal(
    mailboxCollision(mbox("/srv/vmail/one.test/x"), layout),
    'would have its file "/srv/vmail/one.test/x.lock" be the aliases',
  );
  assert.equal(
    mailboxCollision(maildir("/srv/vmail/one.test/x"), layout),
    undefined,
    "a Maildir takes no dotlock",
  );
});

Deno.test("ordinary mailboxes do not collide", () => {
  for (
    const spot of [
      mbox("/srv/vmail/example.com/alice"),
      maildir("/srv/vmail/example.com/bob/"),
      maildir("/srv/vmail/example.com/passwd2/"),
      mbox("/var/mail/carol"),
    ]
  ) {
    assert.equal(mailboxCollision(spot, LAYOUT), undefined, spot.path);
  }
});

Deno.test("a domain directory may hold its own password file, nothing else", () => {
  const layout: ProtectedLayout = {
    ...LAYOUT,
    files: [
      ...LAYOUT.files,
      {
        path: "/srv/vmail/one.test/passwd",
        what: 'the POP3 password file of "one.test"',
        domain: "one.test",
      },
    ],
  };
  assert.equal(
    directoryCollision("/srv/vmail/one.test", "one.test", layout),
    undefined,
  );
  assert.match(
    directoryCollision("/srv/vmail/one.test", "two.test", layout)!,
    /^contains the POP3 password file of "one\.test"/,
  );
  assert.equal(
    directoryCollision("/srv/vmail/vmailbox", "vmailbox", layout),
    "is the virtual_mailbox_maps table",
  );
  assert.match(
    directoryCollision("/srv", "x", layout)!,
    /^contains/,
  );
});

Deno.test("protected files come from the configuration's file parameters and tables", () => {
  const config = baseTestConfig({
    configFile: "/etc/mailsrv/mailsrv.toml",
    queue_directory: "/var/spool/mailsrv",
    virtual_mailbox_domains: [
      "example.com",
      "hash:/etc/mailsrv/vdomains",
      "/etc/mailsrv/vlist",
    ],
    virtual_mailbox_maps: ["texthash:/etc/mailsrv/vmailbox"],
    virtual_uid_maps: ["static:200"],
    alias_maps: ["hash:/etc/aliases"],
    local_recipient_maps: ["unix:passwd.byname"],
    pop3_tls_key_file: "/etc/ssl/private/pop3.key",
  });
  const files = protectedFiles(config).map((f) => `${f.path} = ${f.what}`);
  assert.deepEqual(files, [
    "/etc/mailsrv/mailsrv.toml = the configuration file",
    "/var/spool/mailsrv = the queue directory",
    "/etc/mailsrv/vdomains = the virtual_mailbox_domains table",
    "/etc/mailsrv/vlist = the virtual_mailbox_domains table",
    "/etc/mailsrv/vmailbox = the virtual_mailbox_maps table",
    "/etc/aliases = the alias_maps table",
    "/etc/ssl/private/pop3.key = the pop3_tls_key_file",
  ]);
  assert.equal(tableFileOf("static:/not/a/file"), undefined);
  assert.equal(tableFileOf("inline:{a=b}"), undefined);
  assert.equal(tableFileOf("hash:/etc/aliases"), "/etc/aliases");
});

Deno.test("the routing tables are protected files too", () => {
  const config = baseTestConfig({
    relay_domains: ["backup.test", "hash:/etc/mailsrv/relay_domains"],
    relay_recipient_maps: ["hash:/etc/mailsrv/relay_recipients"],
    transport_maps: ["texthash:/etc/mailsrv/transport"],
    sender_dependent_relayhost_maps: ["hash:/etc/mailsrv/sender_relay"],
  });
  const files = protectedFiles(config)
    .filter((f) => f.path.startsWith("/etc/mailsrv/"))
    .map((f) => `${f.path} = ${f.what}`);
  assert.deepEqual(files, [
    "/etc/mailsrv/relay_domains = the relay_domains table",
    "/etc/mailsrv/relay_recipients = the relay_recipient_maps table",
    "/etc/mailsrv/transport = the transport_maps table",
    "/etc/mailsrv/sender_relay = the sender_dependent_relayhost_maps table",
  ]);
});
