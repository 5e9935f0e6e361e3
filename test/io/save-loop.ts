// Child process of files-crash.test.ts: saves two model files onto one target, alternately, until killed.
// Prints one line per finished save (stdout to a pipe is synchronous on Linux, so a kill loses none).
// usage: node save-loop.js <target> <a> <b>

import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../src/io/files.js";

const [target, a, b] = process.argv.slice(2);
const contents = [new Uint8Array(readFileSync(a)), new Uint8Array(readFileSync(b))];
for (let i = 0; ; i++) {
  await writeFileAtomic(target, contents[i % 2]);
  process.stdout.write(`saved ${i % 2 === 0 ? "a" : "b"}\n`);
}
