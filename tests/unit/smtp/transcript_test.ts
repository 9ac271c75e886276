import { join } from "node:path";
import { runTranscript } from "./transcript.ts";

const directory = join(import.meta.dirname!, "transcripts");

for (const entry of Deno.readDirSync(directory)) {
  if (!entry.name.endsWith(".txt")) continue;
  Deno.test(`transcript ${entry.name}`, async () => {
    await runTranscript(await Deno.readTextFile(join(directory, entry.name)));
  });
}
