// Bun: `bun --no-install bun-tfjs.mjs job.json`. "wasm-rnn/tfjs" resolves through its "bun" export condition
// (the Node entry, with the folder functions). Every fixture is loaded three ways: loadTfjs on the bytes of
// Bun.file(), loadTfjsFolder (node:fs, which Bun implements) and loadTfjsUrl on the file URL (Bun's fetch reads
// file: URLs); one is written back with saveTfjsFolder.
import * as tfjs from "wasm-rnn/tfjs";
import * as tfjsExport from "wasm-rnn/tfjs/export";
import { pathToFileURL } from "node:url";
import { RESULT_MARK } from "./job.mjs";
import { folderWays, runTfjsJob } from "./tfjs-job.mjs";

const job = await Bun.file(process.argv[2]).json();
const out = await runTfjsJob(tfjs, { models: job.models, build: job.build, ...folderWays(tfjs, tfjsExport, job, (p) => Bun.file(p).bytes(), pathToFileURL) });
console.log(RESULT_MARK + JSON.stringify({ runtime: `bun ${Bun.version} (JavaScriptCore)`, ...out }));
