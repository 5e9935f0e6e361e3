#!/usr/bin/env node
// Runs examples/worker/worker.js locally in workerd (Cloudflare's runtime) through miniflare, with this
// repository's built package as "wasm-rnn" and a model file of your choice as model.wrnn:
//
//   npm run build                                    # once: dist/ and build/*.wasm
//   npm start                                        # once, if you have no model yet: trains models/names.wrnn
//   node examples/worker/dev.mjs [--model models/names.wrnn] [--port 8787] [--build simd|relaxed]
//   curl -N -X POST localhost:8787/generate -d '{"prefix":"Ma","length":60,"temperature":0.8,"topK":10,"seed":7}'
//
// miniflare comes from test/edge/node_modules, installed on first use (npm ci --prefix test/edge). The modules
// are listed by modules.mjs, a stand-in for wrangler's bundler; `npx wrangler dev` in a project that depends on
// wasm-rnn does the same from wrangler.toml (see README.md).

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { workerModules, MODULES_ROOT } from "./modules.mjs";
import { ensureInstalled, loadMiniflare, ROOT_DIR } from "../../test/edge/install.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const COMPATIBILITY_DATE = "2026-04-01";

/**
 * Starts the example worker in miniflare. model: the .wrnn bytes; packageDir: the wasm-rnn package (default this
 * repository); port: 0 for any free one; build: the wasm build to force (WASM_RNN_BUILD), default the best.
 * Returns the Miniflare instance (dispatchFetch, dispose) and the URL it listens on (127.0.0.1).
 */
export async function startWorker({ model, packageDir = ROOT_DIR, port = 0, build, log = false } = {}) {
  const { miniflare, why } = await loadMiniflare();
  if (!miniflare) throw new Error(why);
  const { Miniflare, Log, LogLevel } = miniflare;
  const mf = new Miniflare({
    modules: workerModules({ entry: path.join(HERE, "worker.js"), packageDir, data: { "./model.wrnn": model } }),
    modulesRoot: MODULES_ROOT,
    compatibilityDate: COMPATIBILITY_DATE,
    cf: false, // a placeholder request.cf: no fetch of the real one from Cloudflare
    bindings: build ? { WASM_RNN_BUILD: build } : {},
    host: "127.0.0.1",
    port,
    ...(log ? { log: new Log(LogLevel.INFO) } : {}),
  });
  const url = await mf.ready;
  return { mf, url };
}

async function main(argv) {
  const args = { model: path.join(ROOT_DIR, "models/names.wrnn"), port: 8787, build: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = argv[i].includes("=") ? argv[i].split(/=(.*)/s) : [argv[i], argv[++i]];
    if (flag === "--model") args.model = path.resolve(value);
    else if (flag === "--port") args.port = Number(value);
    else if (flag === "--build") args.build = value;
    else {
      console.error(`usage: node examples/worker/dev.mjs [--model file.wrnn] [--port 8787] [--build simd|relaxed] (unknown: ${flag})`);
      process.exit(2);
    }
  }
  let model;
  try {
    model = readFileSync(args.model);
  } catch {
    console.error(`no model at ${path.relative(process.cwd(), args.model) || args.model}: train one (npm start writes models/names.wrnn) or pass --model file.wrnn`);
    process.exit(1);
  }
  ensureInstalled({ log: console.error });
  const { mf, url } = await startWorker({ model, port: args.port, build: args.build, log: true });
  const info = await (await mf.dispatchFetch(new URL("/", url))).json();
  console.log(`wasm-rnn worker on ${url.href} (workerd, ${info.build} build): ${info.model.cell} ${info.model.hiddenSize}×${info.model.numLayers}, vocabulary ${info.vocabulary.size} (${info.vocabulary.level}) from ${path.relative(process.cwd(), args.model)}`);
  console.log(`try: curl -N -X POST ${url.href}generate -d '{"prefix":"A","length":80,"temperature":0.8,"topK":10,"seed":7}'`);
  const stop = async () => { await mf.dispose(); process.exit(0); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`examples/worker: ${e.message}`);
    process.exit(1);
  });
}
