/**
 * The Redis client library loads in a thread that may read only its
 * logger's variables (what role_permissions.ts grants smtpd and pop3d),
 * while ioredis imported directly needs the whole environment.
 */
import assert from "node:assert/strict";
import { REDIS_LIBRARY_ENVIRONMENT } from "../../../src/policy/redis_environment.ts";

const WORKER = new URL("./fixtures/import_worker.ts", import.meta.url);

/** Imports `specifier` in a Worker granted only the named variables. */
async function importWithNamedEnvironment(specifier: string): Promise<string> {
  const worker = new Worker(WORKER, {
    type: "module",
    deno: {
      permissions: {
        env: [...REDIS_LIBRARY_ENVIRONMENT],
        read: true,
        write: false,
        net: false,
        run: false,
        sys: false,
        ffi: false,
        import: false,
      },
    },
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
      worker.postMessage(specifier);
    });
  } finally {
    worker.terminate();
  }
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
