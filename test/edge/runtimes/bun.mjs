// Bun: `bun --no-install bun.mjs job.json`, from a folder whose node_modules/wasm-rnn is the packed package.
// "wasm-rnn" resolves through its "bun" export condition (the entry with the file helpers, as in Node). The
// wasm comes either the default way (init(): the URL next to the module, read through node:fs as in Node) or
// Bun's own way: Bun.file() of the package's build/*.wasm, handed over as a Response, whose application/wasm
// type lets WebAssembly.instantiateStreaming compile it.
import * as lib from "wasm-rnn";
import { runJob, RESULT_MARK } from "./job.mjs";

const job = await Bun.file(process.argv[2]).json();
const started = performance.now();
let how, result;
if (job.load === "native") {
  const file = Bun.file(new URL(import.meta.resolve(`wasm-rnn/build/rnn.${job.build}.wasm`)));
  const response = new Response(file);
  result = await lib.init({ wasm: response, build: job.build });
  how = `new Response(Bun.file(…/node_modules/wasm-rnn/build/rnn.${job.build}.wasm)) (Content-Type ${response.headers.get("content-type")}: streaming compile)`;
} else {
  result = await lib.init(job.build ? { build: job.build } : {});
  how = "init() default: new URL(\"../../build/…\", import.meta.url) of the bun export, read through node:fs";
}
const initMs = performance.now() - started;
const model = job.modelPath ? await Bun.file(job.modelPath).bytes() : null;
const out = await runJob(lib, job, model);
out.timings.initMs = initMs;
console.log(RESULT_MARK + JSON.stringify({
  runtime: `bun ${Bun.version} (JavaScriptCore)`, build: result.build, how,
  entry: typeof lib.loadModel === "function" ? "node/bun entry (with loadModel)" : "universal entry", ...out,
}));
