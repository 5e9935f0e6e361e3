// Quantized inference, measured (bench/quant/README.md): trains character models (the d2l textbook's RNN, GRU
// and LSTM; the CLI's names GRU; a 2-layer LSTM-512 on The Time Machine), then compares their int8 and f16
// copies with the f32 model: perplexity, logits, greedy text, generation speed and file size.
//
//   npm run bench:quant                                   # build, then everything with the simd build
//   npm run bench:quant -- --build relaxed                # the relaxed-SIMD build (re-runs Node with the flag)
//   node bench/quant/accuracy.mjs --epochs 100 --only gru,names
//
// Options: --build simd|relaxed (simd), --epochs N (d2l models, 500), --names-epochs N (15, as npm start),
// --lstm-epochs N (LSTM-512, 1), --only <keys> (rnn,gru,lstm,names,lstm512), --seed N (0), --repeats N (speed
// repeats per type, 7), --gen-tokens N (tokens per speed repeat, 1000), --json <file> (bench/quant/results.json:
// this build's entry is replaced, the other build's kept), --retrain (ignore the cached trained models),
// --no-pin (pinning: re-runs itself under `taskset -c <last CPU>` when taskset is there).
//
// Trained f32 models are cached in bench/quant/cache/ (gitignored) by name, epochs and seed, so a second run
// (another build, say) measures the same weights.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const CACHE = path.join(HERE, "cache");
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";

// ------------------------------------------------------------------------------------------ arguments ----

function usage(message) {
  console.error(`bench/quant: ${message} (node bench/quant/accuracy.mjs --help)`);
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    args: process.argv.slice(2),
    options: {
      build: { type: "string", default: "simd" },
      epochs: { type: "string", default: "500" },
      "names-epochs": { type: "string", default: "15" },
      "lstm-epochs": { type: "string", default: "1" },
      only: { type: "string", default: "rnn,gru,lstm,names,lstm512" },
      seed: { type: "string", default: "0" },
      repeats: { type: "string", default: "7" },
      "gen-tokens": { type: "string", default: "1000" },
      json: { type: "string" },
      retrain: { type: "boolean", default: false },
      "no-pin": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }));
} catch (e) {
  usage(e.message);
}
if (opts.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n\n")[0].replace(/^\/\/ ?/gm, ""));
  process.exit(0);
}
const int = (name, min = 1) => {
  const n = Number(opts[name]);
  if (!Number.isSafeInteger(n) || n < min) usage(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(opts[name])}`);
  return n;
};
const args = {
  build: opts.build,
  epochs: int("epochs"),
  namesEpochs: int("names-epochs"),
  lstmEpochs: int("lstm-epochs"),
  only: opts.only.split(",").map((s) => s.trim()).filter(Boolean),
  seed: int("seed", 0),
  repeats: int("repeats"),
  genTokens: int("gen-tokens"),
  json: opts.json ?? path.join(HERE, "results.json"),
};
if (!["simd", "relaxed"].includes(args.build)) usage(`--build takes simd or relaxed, got ${JSON.stringify(args.build)}`);
const KEYS = ["rnn", "gru", "lstm", "names", "lstm512"];
for (const k of args.only) if (!KEYS.includes(k)) usage(`--only takes ${KEYS.join(", ")}; got ${JSON.stringify(k)}`);

// Re-run once: under taskset on the last CPU (unless --no-pin or already pinned), and with the relaxed-SIMD flag
// for --build relaxed (Node 20 needs it to compile relaxed instructions).
{
  const needFlag = args.build === "relaxed" && !process.execArgv.includes(RELAXED_FLAG);
  const pin = !opts["no-pin"] && !process.env.WASM_RNN_QUANT_PINNED && spawnSync("taskset", ["-V"]).status === 0;
  if (needFlag || pin) {
    const cpu = String(os.cpus().length - 1);
    const node = [...process.execArgv, ...(needFlag ? [RELAXED_FLAG] : []), fileURLToPath(import.meta.url), ...process.argv.slice(2)];
    const [cmd, cmdArgs] = pin ? ["taskset", ["-c", cpu, process.execPath, ...node]] : [process.execPath, node];
    const r = spawnSync(cmd, cmdArgs, { stdio: "inherit", env: { ...process.env, ...(pin ? { WASM_RNN_QUANT_PINNED: cpu } : {}) } });
    process.exit(r.status ?? 1);
  }
}

const entry = path.join(ROOT, "dist", "src", "index.js");
if (!existsSync(entry)) throw new Error("the library is not built: run `npm run build` (or `npm run bench:quant`)");
const lib = await import(entry);
const { init, LanguageModel, Trainer, Vocabulary, evaluatePerplexity, generateIds, encodeModel, decodeModel } = lib;
const { loadTimeMachine, d2lTrainerOptions, MAX_TOKENS } = await import(path.join(ROOT, "dist", "bench", "d2l-data.js"));
const { build } = await init({ build: args.build });

// ------------------------------------------------------------------------------------------ the models ----

const tm = loadTimeMachine();
const BOOK_PREFIX = "time traveller ";

/** Loads a cached trained model, or trains it with `train()` and caches it. */
async function cached(name, train) {
  const file = path.join(CACHE, `${name}.wrnn`);
  if (!opts.retrain && existsSync(file)) {
    const { lm, vocab } = await decodeModel(new Uint8Array(readFileSync(file)), file);
    const info = JSON.parse(readFileSync(file + ".json", "utf8"));
    console.error(`[${name}] cached: ${path.relative(ROOT, file)} (trained ${info.trainedAt}, build ${info.trainedWith})`);
    return { lm, vocab, info: { ...info, cached: true } };
  }
  const started = performance.now();
  const { lm, vocab, trainPerplexity } = await train();
  const info = { trainedAt: new Date().toISOString(), trainedWith: build, trainSeconds: +((performance.now() - started) / 1000).toFixed(1), trainPerplexity };
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, await encodeModel(lm, vocab));
  writeFileSync(file + ".json", JSON.stringify(info, null, 1) + "\n");
  return { lm, vocab, info: { ...info, cached: false } };
}

function trainEpochs(name, lm, ids, options, epochs) {
  const trainer = new Trainer(lm, ids, options);
  const every = Math.max(1, Math.round(epochs / 10));
  const started = performance.now();
  let last = null;
  try {
    for (let e = 1; e <= epochs; e++) {
      last = trainer.trainEpoch();
      if (last.stopped) throw new Error(`[${name}] training stopped: ${last.stopped}`);
      if (e % every === 0 || e === epochs || e === 1) {
        console.error(`[${name}] epoch ${e}/${epochs}: perplexity ${last.perplexity.toFixed(3)}, ${Math.round(last.tokensPerSecond)} tokens/s, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    trainer.dispose();
  }
  return last.perplexity;
}

/** d2l's concise models: one-hot, one layer, hidden 256, train_ch8 on the first 10,000 characters. */
const d2lModel = (cell) => async () => {
  const name = `d2l-${cell}-e${args.epochs}-s${args.seed}`;
  const { lm, vocab, info } = await cached(name, async () => {
    const lm = new LanguageModel({ vocabSize: tm.vocab.size, cell, hiddenSize: 256, seed: args.seed });
    return { lm, vocab: tm.vocab, trainPerplexity: trainEpochs(name, lm, tm.ids, d2lTrainerOptions(args.seed), args.epochs) };
  });
  return {
    key: cell, name: `d2l ${cell.toUpperCase()} H=256 (${args.epochs} epochs)`, lm, vocab, info,
    texts: { train: tm.ids, heldOut: tm.all.slice(MAX_TOKENS, 3 * MAX_TOKENS) },
    textsAbout: { train: "the 10,000 training characters (the book's perplexity)", heldOut: "the next 20,000 characters of the book" },
    prefix: BOOK_PREFIX,
  };
};

/** The CLI's names model: `npm start`'s recipe, trained by the CLI itself (bin/wasm-rnn.js). */
async function namesModel() {
  const name = `names-gru-e${args.namesEpochs}-s${args.seed}`;
  const { builtinCorpus, splitValidation } = await import(path.join(ROOT, "dist", "src", "cli", "corpus.js"));
  const corpus = await builtinCorpus("names", args.seed);
  const { train, validation } = splitValidation(corpus.text, 0.1, "char");
  const command = [
    "train", "--builtin", "names", "--cell", "gru", "--hidden", "192", "--layers", "2", "--embed", "32", "--dropout", "0.3",
    "--lr", "0.005", "--schedule", "cosine", "--epochs", String(args.namesEpochs), "--seed", String(args.seed),
  ];
  const { lm, vocab, info } = await cached(name, async () => {
    const out = path.join(CACHE, `${name}.cli.wrnn`);
    mkdirSync(CACHE, { recursive: true });
    console.error(`[${name}] wasm-rnn ${command.join(" ")}`);
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "wasm-rnn.js"), ...command, "--out", out, "--force", "--quiet"], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
    if (r.status !== 0) throw new Error(`wasm-rnn train failed (${r.status}): ${r.stdout}`);
    console.error(r.stdout.trim().split("\n").map((l) => `[${name}] ${l}`).join("\n"));
    const m = await decodeModel(new Uint8Array(readFileSync(out)), out);
    return { lm: m.lm, vocab: m.vocab, trainPerplexity: /train perplexity ([\d.]+)/.exec(r.stdout)?.[1] ?? null };
  });
  return {
    key: "names", name: `names GRU 192×2, embed 32 (CLI, ${args.namesEpochs} epochs)`, lm, vocab, info: { ...info, command: `wasm-rnn ${command.join(" ")}` },
    texts: { train: vocab.encode(train).slice(0, MAX_TOKENS), heldOut: vocab.encode(validation) },
    textsAbout: { train: "the first 10,000 training characters", heldOut: "the CLI's validation tenth (last 10 % of the shuffled names)" },
    prefix: "\n",
  };
}

/** A bigger character model: 2-layer LSTM-512, one-hot, Adam on the first 90 % of the whole book, briefly. */
async function lstm512Model() {
  const name = `book-lstm512x2-e${args.lstmEpochs}-s${args.seed}`;
  const cut = Math.floor(tm.all.length * 0.9);
  const { lm, vocab, info } = await cached(name, async () => {
    const lm = new LanguageModel({ vocabSize: tm.vocab.size, cell: "lstm", hiddenSize: 512, numLayers: 2, seed: args.seed });
    const options = { batchSize: 32, seqLen: 35, partition: "sequential", optimizer: { name: "adam", lr: 0.002 }, clip: 1, seed: args.seed };
    return { lm, vocab: tm.vocab, trainPerplexity: trainEpochs(name, lm, tm.all.slice(0, cut), options, args.lstmEpochs) };
  });
  return {
    key: "lstm512", name: `LSTM 512×2, one-hot, whole book (${args.lstmEpochs} epoch${args.lstmEpochs > 1 ? "s" : ""})`, lm, vocab, info,
    texts: { train: tm.all.slice(0, MAX_TOKENS), heldOut: tm.all.slice(cut) },
    textsAbout: { train: "the book's first 10,000 characters (trained on)", heldOut: "the book's last 10 % (held out)" },
    prefix: BOOK_PREFIX,
  };
}

const MAKERS = { rnn: d2lModel("rnn"), gru: d2lModel("gru"), lstm: d2lModel("lstm"), names: namesModel, lstm512: lstm512Model };

// ------------------------------------------------------------------------------------------ measures ----

const EVAL = { batchSize: 32, seqLen: 64 }; // as `wasm-rnn eval`
const LOGIT_T = 100, LOGIT_B = 32; // the fixed evaluation batch: 32 lanes × 100 steps of the held-out text, zero state
const GREEDY = 500;
const BOUNDS = { int8: 0.01, f16: 0.001 };
const TYPES = ["f32", "int8", "f16"];

function logitBatch(ids) {
  const lane = Math.floor(ids.length / LOGIT_B);
  const T = Math.min(LOGIT_T, lane);
  const tokens = new Int32Array(T * LOGIT_B);
  for (let b = 0; b < LOGIT_B; b++) for (let t = 0; t < T; t++) tokens[t * LOGIT_B + b] = ids[b * lane + t];
  return { tokens, T };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function measure(model) {
  const { lm, vocab } = model;
  lm.eval(); // no dropout in forward() (the copies are made in eval mode; perplexity and generation switch it themselves)
  const copies = { f32: lm, int8: lm.quantize({ weights: "int8" }), f16: lm.quantize({ weights: "f16" }) };
  const batch = logitBatch(model.texts.heldOut);
  const prefixIds = vocab.encode(model.prefix);
  const out = { key: model.key, name: model.name, parameters: lm.parameterCount, vocabSize: vocab.size, training: model.info, texts: {}, types: {} };
  for (const [k, ids] of Object.entries(model.texts)) out.texts[k] = { tokens: ids.length, about: model.textsAbout[k] };
  let refLogits = null, refGreedy = null;
  for (const type of TYPES) {
    const q = copies[type];
    const r = { perplexity: {}, relDiffPercent: {} };
    for (const [k, ids] of Object.entries(model.texts)) r.perplexity[k] = evaluatePerplexity(q, ids, EVAL).perplexity;
    const logits = q.forward(batch.tokens, null, { seqLen: batch.T, batch: LOGIT_B }).logits;
    const greedy = Array.from(generateIds(q, prefixIds, GREEDY, { greedy: true }));
    const bytes = await encodeModel(q, vocab);
    r.fileBytes = bytes.length;
    if (type === "f32") {
      refLogits = logits;
      refGreedy = greedy;
      let m = 0;
      for (const v of logits) m = Math.max(m, Math.abs(v));
      r.maxAbsLogit = m;
    } else {
      let max = 0, sum = 0;
      for (let i = 0; i < logits.length; i++) {
        const d = Math.abs(logits[i] - refLogits[i]);
        max = Math.max(max, d);
        sum += d;
      }
      r.maxLogitError = max;
      r.meanLogitError = sum / logits.length;
      const same = greedy.filter((t, i) => t === refGreedy[i]).length;
      r.greedyAgreement = same / GREEDY;
      const first = greedy.findIndex((t, i) => t !== refGreedy[i]);
      r.greedyFirstDifference = first === -1 ? null : first;
      for (const k of Object.keys(model.texts)) {
        const f = out.types.f32.perplexity[k];
        r.relDiffPercent[k] = ((r.perplexity[k] - f) / f) * 100;
      }
      r.withinBound = Object.values(r.relDiffPercent).every((d) => Math.abs(d) <= BOUNDS[type] * 100);
      // the saved file loads back to the same model: same perplexity on the held-out text
      const back = (await decodeModel(bytes, `${type} bytes`)).lm;
      r.fileRoundTrip = back.weightType === type && evaluatePerplexity(back, model.texts.heldOut, EVAL).perplexity === r.perplexity.heldOut;
      back.dispose();
    }
    r.greedySample = JSON.stringify(model.prefix + greedy.slice(0, 80).map((id) => vocab.tokenOf(id)).join(""));
    out.types[type] = r;
  }
  return { out, copies };
}

/** Tokens/s of sampled generation at batch 1, f32 / int8 / f16 interleaved (the order rotates each repeat). */
function speed(model, copies) {
  const prefixIds = model.vocab.encode(model.prefix);
  const run = (lm, seed) => {
    const t0 = performance.now();
    let n = 0;
    for (const _ of generateIds(lm, prefixIds, args.genTokens, { temperature: 0.8, topK: 10, seed })) n++;
    return n / ((performance.now() - t0) / 1000);
  };
  for (const type of TYPES) run(copies[type], 99); // warm-up
  const samples = { f32: [], int8: [], f16: [] };
  for (let r = 0; r < args.repeats; r++) {
    for (let i = 0; i < TYPES.length; i++) {
      const type = TYPES[(i + r) % TYPES.length];
      samples[type].push(run(copies[type], r));
    }
  }
  const med = Object.fromEntries(TYPES.map((t) => [t, median(samples[t])]));
  return {
    key: model.key, name: model.name, tokensPerRepeat: args.genTokens, repeats: args.repeats,
    tokensPerSecond: med, speedup: { int8: med.int8 / med.f32, f16: med.f16 / med.f32 },
    samples: Object.fromEntries(TYPES.map((t) => [t, samples[t].map((x) => Math.round(x))])),
  };
}

// ------------------------------------------------------------------------------------------ run ----

const loadavg = () => os.loadavg().map((l) => +l.toFixed(2));
const meta = {
  build, node: process.version, cpu: os.cpus()[0]?.model?.trim() ?? "unknown CPU", cpus: os.cpus().length,
  pinnedCpu: process.env.WASM_RNN_QUANT_PINNED ?? null, loadavgStart: loadavg(), date: new Date().toISOString(),
  seed: args.seed, epochs: { d2l: args.epochs, names: args.namesEpochs, lstm512: args.lstmEpochs },
  perplexityEval: EVAL, logitBatch: `${LOGIT_B} lanes × ${LOGIT_T} steps of the held-out text from a zero state`,
  greedyTokens: GREEDY, bounds: { int8: "perplexity within 1 % of f32", f16: "within 0.1 %" },
};
console.log(`wasm-rnn quantized accuracy — build "${build}", Node ${meta.node}, ${meta.cpu} × ${meta.cpus}${meta.pinnedCpu ? `, pinned to CPU ${meta.pinnedCpu}` : ""}, load ${meta.loadavgStart.join(" ")}`);

const models = [], speeds = [];
for (const key of args.only) {
  const model = await MAKERS[key]();
  const { out, copies } = await measure(model);
  models.push(out);
  printModel(out);
  if (key === "names" || key === "lstm512") {
    const s = speed(model, copies);
    speeds.push(s);
    console.log(`  generation (batch 1, sampled, median of ${s.repeats} × ${s.tokensPerRepeat} tokens): ` +
      TYPES.map((t) => `${t} ${Math.round(s.tokensPerSecond[t])} tokens/s`).join(", ") +
      ` (int8 ${s.speedup.int8.toFixed(2)}×, f16 ${s.speedup.f16.toFixed(2)}× f32)`);
  }
  for (const t of ["int8", "f16"]) copies[t].dispose();
  model.lm.dispose();
}
meta.loadavgEnd = loadavg();

function printModel(m) {
  console.log(`\n${m.name}: ${m.parameters.toLocaleString("en-US")} parameters, vocabulary ${m.vocabSize}, training perplexity ${m.training.trainPerplexity === null ? "?" : Number(m.training.trainPerplexity).toFixed(3)}`);
  for (const t of TYPES) console.log(`  ${t.padEnd(4)} greedy: ${m.types[t].greedySample}`);
}

const pct = (d) => `${d >= 0 ? "+" : ""}${d.toFixed(3)} %`;
const lines = [
  "",
  `| model | text | f32 ppl | int8 ppl (Δ) | f16 ppl (Δ) | max |Δlogit| int8 / f16 (max |logit|) | greedy agreement int8 / f16 (first diff.) |`,
  "|---|---|---|---|---|---|---|",
];
for (const m of models) {
  const [f, i8, h] = TYPES.map((t) => m.types[t]);
  for (const [k, label] of [["train", "train"], ["heldOut", "held-out"]]) {
    const first = k === "train";
    lines.push(
      `| ${first ? m.name : ""} | ${label} (${m.texts[k].tokens.toLocaleString("en-US")}) | ${f.perplexity[k].toFixed(4)} | ` +
      `${i8.perplexity[k].toFixed(4)} (${pct(i8.relDiffPercent[k])}) | ${h.perplexity[k].toFixed(4)} (${pct(h.relDiffPercent[k])}) | ` +
      (first ? `${i8.maxLogitError.toFixed(4)} / ${h.maxLogitError.toFixed(5)} (${f.maxAbsLogit.toFixed(1)}) | ` +
        `${(i8.greedyAgreement * 100).toFixed(1)} % / ${(h.greedyAgreement * 100).toFixed(1)} % (${i8.greedyFirstDifference ?? "none"} / ${h.greedyFirstDifference ?? "none"}) |` : "| |"),
    );
  }
}
lines.push("", "| model | f32 tokens/s | int8 tokens/s | f16 tokens/s | int8 / f32 | f16 / f32 |", "|---|---|---|---|---|---|");
for (const s of speeds) {
  const r = s.tokensPerSecond;
  lines.push(`| ${s.name} | ${Math.round(r.f32)} | ${Math.round(r.int8)} | ${Math.round(r.f16)} | ${s.speedup.int8.toFixed(2)}× | ${s.speedup.f16.toFixed(2)}× |`);
}
lines.push("", "| model | .wrnn f32 | int8 | f16 |", "|---|---|---|---|");
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
for (const m of models) lines.push(`| ${m.name} | ${kib(m.types.f32.fileBytes)} | ${kib(m.types.int8.fileBytes)} (${(m.types.int8.fileBytes / m.types.f32.fileBytes * 100).toFixed(1)} %) | ${kib(m.types.f16.fileBytes)} (${(m.types.f16.fileBytes / m.types.f32.fileBytes * 100).toFixed(1)} %) |`);
console.log(lines.join("\n"));

const misses = [];
for (const m of models) {
  for (const t of ["int8", "f16"]) {
    for (const [k, d] of Object.entries(m.types[t].relDiffPercent)) {
      if (Math.abs(d) > BOUNDS[t] * 100) misses.push(`${m.name} ${t} on the ${k} text: ${pct(d)} (bound ±${BOUNDS[t] * 100} %)`);
    }
    if (!m.types[t].fileRoundTrip) misses.push(`${m.name} ${t}: the saved file does not load back to the same perplexity`);
  }
}
console.log(misses.length ? `\nmisses:\n  ${misses.join("\n  ")}` : "\nevery model within the bounds (int8 ±1 %, f16 ±0.1 % perplexity) on both texts");

const result = { meta, models, speed: speeds, misses };
const all = existsSync(args.json) ? JSON.parse(readFileSync(args.json, "utf8")) : {};
all[build] = result;
writeFileSync(args.json, JSON.stringify(all, null, 1) + "\n");
console.log(`\nwrote ${path.relative(process.cwd(), args.json) || args.json} (build "${build}")`);
