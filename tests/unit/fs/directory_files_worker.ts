/**
 * Reads files of a directory with src/fs/directory_files.ts inside a
 * Worker holding the grants it is created with (directory_files_test.ts).
 * Gets `{ directory, names }`; answers, per name, the text read or the
 * error's class and message, after `direct:` and the directory's names.
 */
import { openDirectoryFiles } from "../../../src/fs/directory_files.ts";

interface Request {
  readonly directory: string;
  readonly names: readonly string[];
}

const self = globalThis as unknown as {
  onmessage: (event: MessageEvent<Request>) => void;
  postMessage: (data: unknown) => void;
};

function outcome(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}

self.onmessage = ({ data }) => {
  const results: string[] = [];
  let files;
  try {
    files = openDirectoryFiles(data.directory);
  } catch (error) {
    self.postMessage([outcome(error)]);
    return;
  }
  results.push(`direct: ${files.direct}`, files.names().sort().join(" "));
  const buffer = new Uint8Array(1024);
  for (const name of data.names) {
    try {
      const file = files.open(name);
      const count = file.read(buffer);
      file.close();
      results.push(new TextDecoder().decode(buffer.subarray(0, count)));
    } catch (error) {
      results.push(outcome(error));
    }
  }
  files.close();
  self.postMessage(results);
};
