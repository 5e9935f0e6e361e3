// Builds every wasm target of asconfig.json (asc → build/rnn.<target>.wasm).
import asc from "assemblyscript/asc";
import { readFileSync, mkdirSync } from "node:fs";

const config = JSON.parse(readFileSync(new URL("../asconfig.json", import.meta.url), "utf8"));
mkdirSync(new URL("../build/", import.meta.url), { recursive: true });
for (const target of Object.keys(config.targets)) {
  const { error, stderr } = await asc.main(["assembly/index.ts", "--target", target, "--config", "asconfig.json"]);
  if (error) {
    console.error(stderr.toString());
    console.error(`asc failed for target "${target}": ${error.message}`);
    process.exit(1);
  }
  console.log(`built ${config.targets[target].outFile}`);
}
