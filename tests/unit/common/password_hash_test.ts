/**
 * Tests for password_hash.ts: every crypt(3)/htpasswd kind verifies the
 * right password and rejects a wrong one, with fixed vectors and with
 * vectors made at test time by Debian's `htpasswd` (apache2-utils) and
 * `mkpasswd` (whois). Those tools are required when CI=true.
 */
import assert from "node:assert/strict";
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  passwordHashKind,
  verifyPassword,
} from "../../../src/common/password_hash.ts";

const PASSWORD = "pässwörd";

/** Fixed vectors for PASSWORD, made once with htpasswd and mkpasswd. */
const VECTORS: Record<string, string> = {
  des: "9CaH2NoPmWJYg",
  md5: "$1$TJRatpKt$lF5rBhbv/y76O6vSJUh7G.",
  apr1: "$apr1$1DAu16zr$wFoypieJVxths7OjH/cn01",
  sha256: "$5$8S905KgdlYGC6jki$u/.5yPQaJhrYV5yKMRa3nioi2FxremPb9yocp9rz4u.",
  sha512:
    "$6$CJpXWrMq1Cx912Pb$56Oo4VMtpbEs8ppyuNIxFLyE7QFR.AtQ1DJpaR3BAaMDki5RoLm8ar/eJWIk3.d9kVD32nwrilCatPp0Dw0o4.",
  bcrypt: "$2y$04$OuVq4k.fJPw0fnwUs.0EJ.RAw8NdIE3tx5JY1pkv05tJo1dkEbgyW",
  sha1: "{SHA}9Rfd8dMqES/xrVXGbRsSyzjn6Pc=",
};

for (const [kind, hash] of Object.entries(VECTORS)) {
  Deno.test(`verifyPassword: fixed ${kind} vector`, async () => {
    assert.equal(passwordHashKind(hash), kind);
    assert.equal(await verifyPassword(PASSWORD, hash), true);
    assert.equal(await verifyPassword("passwörd", hash), false);
    assert.equal(await verifyPassword("", hash), false);
  });
}

Deno.test("verifyPassword: SHA-crypt with rounds=", async () => {
  const sha512 =
    "$6$rounds=1000$B13sTH5V/QleM4Kf$ZdECv.krc.vbDJbtMUiq8FlDiEMCJXoEMYWyL1xHNQid9SKoDIJfQjJctCBNLWIMftL.h33yO0KrlVenY7ETY0";
  const sha256 =
    "$5$rounds=20000$gHW9BMF0fwiArcfl$Ed1P8i5QKaUfJZB8hOpecDPjbgCu5r7W/B8AKQRy2T/";
  assert.equal(await verifyPassword("x", sha512), true);
  assert.equal(await verifyPassword("y", sha512), false);
  assert.equal(await verifyPassword("pw", sha256), true);
  assert.equal(await verifyPassword("pW", sha256), false);
});

Deno.test("verifyPassword: a $2a$/$2b$ spelling of a $2y$ hash verifies", async () => {
  const hash = VECTORS.bcrypt;
  for (const prefix of ["$2a$", "$2b$"]) {
    const other = prefix + hash.slice(4);
    assert.equal(await verifyPassword(PASSWORD, other), true);
    assert.equal(await verifyPassword("wrong", other), false);
  }
});

Deno.test("verifyPassword: DES uses only the first 8 bytes, as crypt(3)", async () => {
  // crypt(3) sees the first 8 UTF-8 bytes: "p\xc3\xa4ssw\xc3\xb6".
  assert.equal(await verifyPassword("pässwöXYZ", VECTORS.des), true);
  assert.equal(await verifyPassword("pässw", VECTORS.des), false);
});

Deno.test("verifyPassword: hashes of unknown shape match nothing", async () => {
  for (const hash of ["", "*", "!", "x", "!" + VECTORS.md5, "$9$abc$def"]) {
    assert.equal(passwordHashKind(hash), undefined, hash);
    assert.equal(await verifyPassword("", hash), false);
    assert.equal(await verifyPassword(hash, hash), false);
  }
});

Deno.test("hashPassword: bcrypt $2y$ cost 10 that verifies", async () => {
  const hash = await hashPassword("s3cret pass");
  assert.match(hash, /^\$2y\$10\$[./0-9A-Za-z]{53}$/);
  assert.equal(await verifyPassword("s3cret pass", hash), true);
  assert.equal(await verifyPassword("s3cret pasS", hash), false);
  assert.notEqual(await hashPassword("s3cret pass"), hash, "salted");
});

Deno.test("DUMMY_PASSWORD_HASH is a bcrypt hash no short password matches", async () => {
  assert.equal(passwordHashKind(DUMMY_PASSWORD_HASH), "bcrypt");
  for (const guess of ["", "password", "secret", "x"]) {
    assert.equal(await verifyPassword(guess, DUMMY_PASSWORD_HASH), false);
  }
});

async function tool(name: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(name, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `${name} failed: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
    return new TextDecoder().decode(out.stdout).trim();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    if (Deno.env.get("CI") === "true") throw new Error(`${name} is missing`);
    console.warn(
      `SKIPPED: ${name} not installed (apt-get install ${
        name === "htpasswd" ? "apache2-utils" : "whois"
      })`,
    );
    return undefined;
  }
}

const GENERATED: [string, string, string[]][] = [
  ["des", "htpasswd", ["-nbd", "u"]],
  ["apr1", "htpasswd", ["-nbm", "u"]],
  ["bcrypt", "htpasswd", ["-nbB", "-C", "5", "u"]],
  ["sha1", "htpasswd", ["-nbs", "u"]],
  ["md5", "mkpasswd", ["-m", "md5crypt"]],
  ["sha256", "mkpasswd", ["-m", "sha-256", "-R", "6000"]],
  ["sha512", "mkpasswd", ["-m", "sha-512"]],
  ["des", "mkpasswd", ["-m", "descrypt"]],
];

for (const [kind, name, args] of GENERATED) {
  Deno.test(`verifyPassword: ${name} ${args.join(" ")} at test time`, async () => {
    for (const password of ["secret1", "Pa55:wörd €"]) {
      const out = await tool(name, [...args, password]);
      if (out === undefined) return;
      const hash = name === "htpasswd" ? out.slice(out.indexOf(":") + 1) : out;
      assert.equal(passwordHashKind(hash), kind, hash);
      assert.equal(await verifyPassword(password, hash), true, hash);
      assert.equal(
        await verifyPassword(password + "x", hash),
        kind === "des" && password.length >= 8,
        hash,
      );
    }
  });
}
