#!/usr/bin/env node
// The `wasm-rnn` command: runs the compiled CLI (npm run build makes dist/).
let cli;
try {
  cli = await import("../dist/src/cli/main.js");
} catch (e) {
  if (e && e.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("dist/src/cli/main.js")) {
    process.stderr.write("wasm-rnn: error: the package is not built: run \"npm run build\" in its folder\n");
    process.exit(1);
  }
  throw e;
}
process.exitCode = await cli.main(process.argv);
