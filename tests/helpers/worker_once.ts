/**
 * Asks a test Worker one question: starts `url` with `permissions`, posts
 * `message`, and resolves to the first answer (or rejects with the
 * Worker's uncaught error); the Worker is ended either way.
 */
export async function askWorkerOnce<T>(
  url: URL,
  permissions: Deno.PermissionOptionsObject,
  message: unknown,
): Promise<T> {
  const worker = new Worker(url, { type: "module", deno: { permissions } });
  try {
    return await new Promise<T>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
      worker.postMessage(message);
    });
  } finally {
    worker.terminate();
  }
}
