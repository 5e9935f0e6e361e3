// Deno: `deno run --allow-read --allow-write=<dir> deno-tfjs.mjs job.json`. "wasm-rnn/tfjs" resolves through
// its "deno" export condition (the Node entry, with the folder functions). Every fixture is loaded three ways:
// loadTfjs on the bytes of Deno.readFile, loadTfjsFolder (node:fs through Deno's Node compatibility) and
// loadTfjsUrl on the file URL (Deno's fetch reads file: URLs); one is written back with saveTfjsFolder.
import * as tfjs from "wasm-rnn/tfjs";
import * as tfjsExport from "wasm-rnn/tfjs/export";
import { pathToFileURL } from "node:url";
import { RESULT_MARK } from "./job.mjs";
import { folderWays, runTfjsJob } from "./tfjs-job.mjs";

const job = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const out = await runTfjsJob(tfjs, { models: job.models, build: job.build, ...folderWays(tfjs, tfjsExport, job, (p) => Deno.readFile(p), pathToFileURL) });
console.log(RESULT_MARK + JSON.stringify({ runtime: `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`, ...out }));
