// Deno: `deno run --allow-read deno.mjs job.json`, from a folder whose node_modules/wasm-rnn is the packed
// package. "wasm-rnn" resolves as npm packages do in Deno (its "deno" export condition: the entry with the
// file helpers, as in Node). The wasm comes either the default way (init(): the URL next to the module, which
// Deno reads through its Node compatibility, as Node does) or Deno's own way: fetch() of the file URL that
// import.meta.resolve gives for the package's build/*.wasm export.
import * as lib from "wasm-rnn";
import { runJob, RESULT_MARK } from "./job.mjs";

const job = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const started = performance.now();
let how, result;
if (job.load === "native") {
  const url = import.meta.resolve(`wasm-rnn/build/rnn.${job.build}.wasm`);
  const response = await fetch(url);
  result = await lib.init({ wasm: response, build: job.build });
  how = `fetch(${url.replace(/^.*node_modules\//, "…/node_modules/")}) → Response (Content-Type ${response.headers.get("content-type")}: compiled from its bytes)`;
} else {
  result = await lib.init(job.build ? { build: job.build } : {});
  how = "init() default: new URL(\"../../build/…\", import.meta.url) of the deno export, read through node:fs";
}
const initMs = performance.now() - started;
const model = job.modelPath ? await Deno.readFile(job.modelPath) : null;
const out = await runJob(lib, job, model);
out.timings.initMs = initMs;
console.log(RESULT_MARK + JSON.stringify({
  runtime: `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`, build: result.build, how,
  entry: typeof lib.loadModel === "function" ? "node/deno entry (with loadModel)" : "universal entry", ...out,
}));
