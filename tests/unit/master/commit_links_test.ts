import assert from "node:assert/strict";
import {
  createCommitLinks,
  type QueueManagerLinkMessage,
  type SmtpdLinkMessage,
} from "../../../src/master/commit_links.ts";

/** The links, with the threads' inboxes and the rechecks counted. */
function setUp() {
  let rechecks = 0;
  const links = createCommitLinks({ recheck: () => void rechecks++ });
  const inbox = <M>() => {
    const got: M[] = [];
    const post = (message: M, transfer?: Transferable[]) => {
      assert.equal(
        transfer?.length ?? 0,
        "port" in (message as object) ? 1 : 0,
      );
      got.push(message);
    };
    return { got, post };
  };
  return {
    links,
    rechecks: () => rechecks,
    smtpd: () => inbox<SmtpdLinkMessage>(),
    qmgr: () => inbox<QueueManagerLinkMessage>(),
  };
}

/** Closes every port in `messages`. */
function closePorts(messages: readonly object[]): void {
  for (const m of messages) {
    if ("port" in m) (m.port as MessagePort).close();
  }
}

Deno.test("a queue manager's thread is linked to every smtpd thread, a later smtpd thread too", () => {
  const { links, smtpd, qmgr } = setUp();
  const first = smtpd();
  links.smtpdStarted(first.post);
  assert.equal(first.got.length, 0); // No queue manager yet: the master path.
  const q = qmgr();
  links.queueManagerStarted(q.post);
  const second = smtpd();
  links.smtpdStarted(second.post);
  try {
    assert.deepEqual(
      q.got.map((m) => [m.kind, m.link]),
      [["smtpd-link", 1], ["smtpd-link", 2]],
    );
    assert.deepEqual(first.got.map((m) => [m.kind, m.link]), [[
      "qmgr-link",
      1,
    ]]);
    assert.deepEqual(second.got.map((m) => [m.kind, m.link]), [[
      "qmgr-link",
      2,
    ]]);
  } finally {
    closePorts([...q.got, ...first.got, ...second.got]);
  }
});

Deno.test("when the queue manager's thread ends, smtpd is unlinked and the queue is looked at after its answer", () => {
  const { links, rechecks, smtpd, qmgr } = setUp();
  const s = smtpd();
  const handle = links.smtpdStarted(s.post);
  const q = qmgr();
  links.queueManagerStarted(q.post);
  try {
    // An answer nobody asked for changes nothing.
    handle.unlinked(1);
    assert.equal(rechecks(), 0);
    links.queueManagerEnded();
    links.queueManagerEnded(); // once only
    assert.deepEqual(s.got.map((m) => m.kind), ["qmgr-link", "qmgr-unlink"]);
    // Notices may still be on their way until smtpd answers.
    assert.equal(rechecks(), 0);
    handle.unlinked(1);
    assert.equal(rechecks(), 1);
    handle.unlinked(1);
    assert.equal(rechecks(), 1);

    // A new queue manager's thread gets a fresh link.
    const again = qmgr();
    links.queueManagerStarted(again.post);
    assert.deepEqual(s.got.at(-1)?.kind, "qmgr-link");
    assert.equal(s.got.at(-1)?.link, 2);
    closePorts(again.got);
  } finally {
    closePorts([...q.got, ...s.got]);
  }
});

Deno.test("an smtpd thread that ends while linked is unlinked at the queue manager, and the queue is looked at", () => {
  const { links, rechecks, smtpd, qmgr } = setUp();
  const q = qmgr();
  links.queueManagerStarted(q.post);
  const s = smtpd();
  const handle = links.smtpdStarted(s.post);
  try {
    handle.ended();
    handle.ended();
    assert.deepEqual(
      q.got.map((m) => [m.kind, m.link]),
      [["smtpd-link", 1], ["smtpd-unlink", 1]],
    );
    assert.equal(rechecks(), 1);
    // Gone: a new queue manager's thread does not link it.
    links.queueManagerEnded();
    links.queueManagerStarted(qmgr().post);
    assert.equal(s.got.length, 1);
  } finally {
    closePorts([...q.got, ...s.got]);
  }
});

Deno.test("an smtpd thread that ends before answering its unlink: the queue is looked at", () => {
  const { links, rechecks, smtpd, qmgr } = setUp();
  const q = qmgr();
  links.queueManagerStarted(q.post);
  const s = smtpd();
  const handle = links.smtpdStarted(s.post);
  try {
    links.queueManagerEnded();
    assert.equal(rechecks(), 0);
    handle.ended();
    assert.equal(rechecks(), 1);
    // No queue manager to tell.
    assert.deepEqual(q.got.map((m) => m.kind), ["smtpd-link"]);
  } finally {
    closePorts([...q.got, ...s.got]);
  }
});
