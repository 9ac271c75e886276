import assert from "node:assert/strict";
import { join } from "node:path";
import {
  deliverLocal,
  type LocalDeliveryOptions,
} from "../../../../src/delivery/local/local.ts";
import type { DeliveryResult } from "../../../../src/delivery/types.ts";
import {
  listDir,
  type LocalFixture,
  withLocalFixture,
} from "../local_fixture.ts";
import { testMessage } from "../test_message.ts";

const SENT_MAILDIR: DeliveryResult = {
  outcome: "sent",
  dsn: "2.0.0",
  reason: "delivered to maildir",
  relay: "local",
  dsnAction: "delivered",
};
const SENT_MAILBOX: DeliveryResult = {
  ...SENT_MAILDIR,
  reason: "delivered to mailbox",
};

function options(
  fixture: LocalFixture,
  extra: LocalDeliveryOptions = {},
): LocalDeliveryOptions {
  return {
    mapOptions: { passwdFile: fixture.passwdFile },
    uid: 4000,
    ...extra,
  };
}

/** Reads the single message of a Maildir. */
async function onlyMessage(maildir: string): Promise<string> {
  const names = await listDir(join(maildir, "new"));
  assert.equal(names.length, 1, `one message in ${maildir}`);
  return await Deno.readTextFile(join(maildir, "new", names[0]));
}

Deno.test("local: home_mailbox Maildir/ for a system user", async () => {
  await withLocalFixture(async (fixture) => {
    const result = await deliverLocal(
      testMessage({ recipient: "bob@mx.example.org" }),
      fixture.config({ home_mailbox: "Maildir/" }),
      options(fixture),
    );
    assert.deepEqual(result, SENT_MAILDIR);
    assert.match(
      await onlyMessage(join(fixture.home("bob"), "Maildir")),
      /^Return-Path: <alice@example\.org>\nDelivered-To: bob@mx\.example\.org\n/,
    );
    assert.deepEqual(await listDir(fixture.spool), []);
  });
});

Deno.test("local: `written` comes once the message is in new/, before the delivery returns", async () => {
  await withLocalFixture(async (fixture) => {
    const maildir = join(fixture.home("bob"), "Maildir");
    let seen: string[] | undefined;
    let returned = false;
    const result = await deliverLocal(
      testMessage({ recipient: "bob@mx.example.org" }),
      fixture.config({ home_mailbox: "Maildir/" }),
      options(fixture, {
        written: () => {
          assert.equal(returned, false);
          seen = [
            ...Deno.readDirSync(join(maildir, "tmp")),
            ...Deno.readDirSync(join(maildir, "new")),
          ].map((entry) => entry.name);
        },
      }),
    );
    returned = true;
    assert.deepEqual(result, SENT_MAILDIR);
    assert.deepEqual(seen, await listDir(join(maildir, "new")));
    assert.match(await onlyMessage(maildir), /^Return-Path: /);
  });
});

Deno.test("local: home_mailbox Mailbox (mbox) for a system user", async () => {
  await withLocalFixture(async (fixture) => {
    const result = await deliverLocal(
      testMessage(),
      fixture.config({ home_mailbox: "Mailbox" }),
      options(fixture),
    );
    assert.deepEqual(result, SENT_MAILBOX);
    assert.match(
      await Deno.readTextFile(join(fixture.home("bob"), "Mailbox")),
      /^From alice@example\.org .*\nReturn-Path: <alice@example\.org>\n/,
    );
  });
});

Deno.test("local: spool without / is an mbox per user", async () => {
  await withLocalFixture(async (fixture) => {
    const config = fixture.config({ mail_spool_directory: fixture.spool });
    assert.deepEqual(
      await deliverLocal(testMessage(), config, options(fixture)),
      SENT_MAILBOX,
    );
    assert.deepEqual(await listDir(fixture.spool), ["bob"]);
    assert.ok((await Deno.stat(join(fixture.spool, "bob"))).isFile);
  });
});

Deno.test("local: spool with / is a Maildir per user, created on demand", async () => {
  await withLocalFixture(async (fixture) => {
    const result = await deliverLocal(
      testMessage(),
      fixture.config(),
      options(fixture),
    );
    assert.deepEqual(result, SENT_MAILDIR);
    await onlyMessage(join(fixture.spool, "bob"));
  });
});

Deno.test("local: without local_recipient_maps any local part gets a spool mailbox", async () => {
  await withLocalFixture(async (fixture) => {
    const result = await deliverLocal(
      testMessage({ recipient: "Carol@mx.example.org" }),
      fixture.config({ home_mailbox: "Maildir/" }),
      options(fixture),
    );
    assert.deepEqual(result, SENT_MAILDIR);
    await onlyMessage(join(fixture.spool, "carol"));
  });
});

Deno.test("local: the extension is stripped and the case folded", async () => {
  await withLocalFixture(async (fixture) => {
    const result = await deliverLocal(
      testMessage({ recipient: "BOB+lists@mx.example.org" }),
      fixture.config({ home_mailbox: "Maildir/" }),
      options(fixture),
    );
    assert.deepEqual(result, SENT_MAILDIR);
    assert.match(
      await onlyMessage(join(fixture.home("bob"), "Maildir")),
      /\nDelivered-To: bob\+lists@mx\.example\.org\n/,
    );
  });
});

Deno.test("local: unsafe local parts bounce 5.1.3 and write nothing", async () => {
  await withLocalFixture(async (fixture) => {
    const unsafe = [
      "@mx.example.org",
      "../etc@mx.example.org",
      ".hidden@mx.example.org",
      '"a/b"@mx.example.org',
      "a..b@mx.example.org",
      "a\x01b@mx.example.org",
    ];
    for (const recipient of unsafe) {
      const result = await deliverLocal(
        testMessage({ recipient }),
        fixture.config(),
        options(fixture),
      );
      assert.equal(result.outcome, "bounced", recipient);
      assert.equal(result.dsn, "5.1.3");
      assert.match(result.reason, /^unsafe local part ".*" refused$/);
    }
    const [last] = unsafe.slice(-1);
    const result = await deliverLocal(
      testMessage({ recipient: last.replace("\x01", "\n") }),
      fixture.config(),
      options(fixture),
    );
    assert.equal(result.reason, 'unsafe local part "a\\x0ab" refused');
    assert.deepEqual(await listDir(fixture.spool), []);
    assert.deepEqual(await listDir(fixture.dir), ["home", "passwd"]);
  });
});

Deno.test("local: with local_recipient_maps an unknown user bounces 5.1.1", async () => {
  await withLocalFixture(async (fixture) => {
    const config = fixture.config({
      local_recipient_maps: ["unix:passwd.byname"],
    });
    const result = await deliverLocal(
      testMessage({ recipient: "carol+x@mx.example.org" }),
      config,
      options(fixture),
    );
    assert.deepEqual(result, {
      outcome: "bounced",
      dsn: "5.1.1",
      reason: 'unknown user: "carol"',
      relay: "local",
    });
    assert.deepEqual(
      await deliverLocal(testMessage(), config, options(fixture)),
      SENT_MAILDIR,
    );
  });
});

Deno.test("local: postmaster without a passwd entry goes to root's mailbox", async () => {
  await withLocalFixture(async (fixture) => {
    const config = fixture.config({
      home_mailbox: "Maildir/",
      local_recipient_maps: ["unix:passwd.byname"],
    });
    const result = await deliverLocal(
      testMessage({ recipient: "Postmaster@mx.example.org" }),
      config,
      options(fixture),
    );
    assert.deepEqual(result, SENT_MAILDIR);
    await onlyMessage(join(fixture.home("root"), "Maildir"));
  });
});

Deno.test("local: postmaster goes to the spool's root mailbox when root is unknown", async () => {
  await withLocalFixture(async (fixture) => {
    await Deno.writeTextFile(fixture.passwdFile, "");
    const result = await deliverLocal(
      testMessage({ recipient: "postmaster" }),
      fixture.config({ home_mailbox: "Maildir/" }),
      options(fixture),
    );
    assert.deepEqual(result, SENT_MAILDIR);
    await onlyMessage(join(fixture.spool, "root"));
  });
});

Deno.test("local: an unreadable recipient table defers 4.3.0", async () => {
  await withLocalFixture(async (fixture) => {
    const result = await deliverLocal(
      testMessage(),
      fixture.config({ local_recipient_maps: [`hash:${fixture.dir}/none`] }),
      options(fixture),
    );
    assert.equal(result.outcome, "deferred");
    assert.equal(result.dsn, "4.3.0");
    assert.match(result.reason, /^cannot read lookup table "hash:/);
  });
});

Deno.test("local: a locked mailbox defers with the writer's status", async () => {
  await withLocalFixture(async (fixture) => {
    const config = fixture.config({ home_mailbox: "Mailbox" });
    const mailbox = join(fixture.home("bob"), "Mailbox");
    await Deno.writeTextFile(`${mailbox}.lock`, "");
    const result = await deliverLocal(
      testMessage(),
      config,
      options(fixture, { lock: { attempts: 1 } }),
    );
    assert.equal(result.outcome, "deferred");
    assert.equal(result.dsn, "4.2.0");
    assert.equal(result.relay, "local");
    assert.match(result.reason, /^cannot lock mailbox /);
  });
});

Deno.test("local: a Maildir path holding a file bounces 5.2.0", async () => {
  await withLocalFixture(async (fixture) => {
    await Deno.writeTextFile(join(fixture.home("bob"), "Maildir"), "");
    const result = await deliverLocal(
      testMessage(),
      fixture.config({ home_mailbox: "Maildir/" }),
      options(fixture),
    );
    assert.equal(result.outcome, "bounced");
    assert.equal(result.dsn, "5.2.0");
  });
});

Deno.test({
  name: "local: running as root, the user owns what delivery creates",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withLocalFixture(async (fixture) => {
      const config = fixture.config({ home_mailbox: "Maildir/" });
      await deliverLocal(testMessage(), config, options(fixture, { uid: 0 }));
      const maildir = join(fixture.home("bob"), "Maildir");
      const [name] = await listDir(join(maildir, "new"));
      for (const path of [maildir, join(maildir, "new", name)]) {
        const info = await Deno.stat(path);
        assert.deepEqual([info.uid, info.gid], [1001, 1002], path);
      }
      // Not root: nothing is chowned.
      await deliverLocal(
        testMessage({ recipient: "carol@mx.example.org" }),
        config,
        options(fixture, { uid: 4000 }),
      );
      const info = await Deno.stat(join(fixture.spool, "carol"));
      assert.equal(info.uid, Deno.uid());
    });
  },
});

Deno.test("local: an alias answers for each of its targets, for one log line each", async () => {
  await withLocalFixture(async (fixture) => {
    const aliases = join(fixture.dir, "aliases");
    await Deno.writeTextFile(
      aliases,
      "team: bob, Carol, dave@remote.example, :include:/nonexistent/list\n" +
        "staff: bob, carol, dave@remote.example\n",
    );
    const config = fixture.config({
      alias_maps: [`hash:${aliases}`],
      local_recipient_maps: [],
    });
    const resubmitted: string[][] = [];
    const withResubmit = options(fixture, {
      resubmit: (request) => {
        resubmitted.push([...request.recipients]);
        return Promise.resolve("NEWID");
      },
    });
    const staff = await deliverLocal(
      testMessage({ recipient: "staff@mx.example.org" }),
      config,
      withResubmit,
    );
    const sent = (recipient: string, reason: string) => ({
      recipient,
      outcome: "sent",
      dsn: "2.0.0",
      reason,
      relay: "local",
    });
    assert.deepEqual(staff, {
      outcome: "sent",
      dsn: "2.0.0",
      reason: "delivered to maildir; delivered to maildir; forwarded as NEWID",
      relay: "local",
      dsnAction: "expanded",
      targets: [
        sent("bob@mx.example.org", "delivered to maildir"),
        sent("carol@mx.example.org", "delivered to maildir"),
        sent("dave@remote.example", "forwarded as NEWID"),
      ],
    });
    assert.deepEqual(resubmitted, [["dave@remote.example"]]);
    // A list that cannot be read defers the whole recipient, as Postfix.
    const team = await deliverLocal(
      testMessage({ recipient: "team@mx.example.org" }),
      config,
      withResubmit,
    );
    assert.equal(team.outcome, "deferred");
    assert.equal(team.dsn, "4.3.0");
    assert.equal(team.targets, undefined);
  });
});
