/**
 * The Redis client library loads in a thread that may read only its
 * logger's variables (what role_permissions.ts grants smtpd and pop3d),
 * while ioredis imported directly needs the whole environment.
 */
import assert from "node:assert/strict";
import { REDIS_LIBRARY_ENVIRONMENT } from "../../../src/policy/redis_environment.ts";
import { askWorkerOnce } from "../../helpers/worker_once.ts";

const WORKER = new URL("./fixtures/import_worker.ts", import.meta.url);

/** Imports `specifier` in a Worker granted only the named variables. */
function importWithNamedEnvironment(specifier: string): Promise<string> {
  return askWorkerOnce<string>(WORKER, {
    env: [...REDIS_LIBRARY_ENVIRONMENT],
    read: true,
    write: false,
    net: false,
    run: false,
    sys: false,
    ffi: false,
    import: false,
  }, specifier);
}

Deno.test("ioredis loads through redis_library.ts with its logger's variables only; directly it needs the whole environment", async () => {
  const library = new URL(
    "../../../src/policy/redis_library.ts",
    import.meta.url,
  );
  assert.equal(await importWithNamedEnvironment(library.href), "ok");
  assert.match(
    await importWithNamedEnvironment("ioredis"),
    /^NotCapable: Requires env access/,
  );
});
