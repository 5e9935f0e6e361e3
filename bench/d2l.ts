// Reproduces the recurrent-network chapters of d2l.ai (PyTorch edition, "classic" numbering: §8.5 rnn-scratch,
// §8.6 rnn-concise, §9.1 gru, §9.2 lstm; chapters 9 / 10 in the current numbering) with this library: a
// character-level language model of H. G. Wells' The Time Machine, trained as the book's `train_ch8` does.
//
//   npm run bench:d2l                                         # all four runs, 500 epochs each
//   npm run bench:d2l -- --epochs 5                           # a short run (to estimate the time)
//   npm run bench:d2l -- --only gru,lstm --json bench/d2l-results.json
//   taskset -c 1 node dist/bench/d2l.js                       # pin to one core on a shared machine
//
// Options: --data <path> (default bench/data/timemachine.txt, d2l's copy; see bench/data/README.md), --epochs N (500),
// --only <keys> (rnn-scratch, rnn-concise, rnn = both RNN runs, gru, lstm), --seed N (model and batching
// seeds, 0), --prefix <text> (repeatable; default "time traveller " and "traveller "), --json <path>.
//
// What the book does, and what this script does to match it (d2l 0.17 `d2l/torch.py`):
// - read_time_machine(): `[re.sub('[^A-Za-z]+', ' ', line).strip().lower() for line in lines]`, line by line
//   (Python's readlines()). Here: the file is split on "\n" and every line gets the same regex, trim and
//   lowercase ("\r" is a non-letter, so CRLF files come out the same).
// - load_corpus_time_machine(max_tokens): tokenize(lines, 'char') is `[list(line) for line in lines]`, the
//   Vocab is built from ALL those tokens (token frequencies over the whole book, most frequent first, ties in
//   order of first appearance, '<unk>' at id 0: 28 tokens = <unk>, space, 26 letters), and the corpus is
//   `[vocab[token] for line in tokens for token in line]`: the lines' characters concatenated WITHOUT any
//   separator between lines (a line's last word runs into the next line's first word; empty lines vanish).
//   load_data_time_machine(batch_size, num_steps) passes its default max_tokens=10000, so only the first
//   10,000 characters of that corpus are trained on: `corpus[:10000]`. Here: Vocabulary.build() over the
//   concatenated lines (same order and ids), then the first 10,000 ids.
// - seq_data_iter_sequential: a random offset each epoch, the corpus cut into batch_size = 32 parallel lanes,
//   num_steps = 35 per batch (8 batches, 8,960 predicted tokens per epoch). Trainer's "sequential" partition
//   does the same (its offset is drawn from [0, 35), the book's from [0, 35]).
// - train_epoch_ch8: the state starts at zeros at each epoch start, is carried and detached between batches;
//   loss = mean cross-entropy; gradient clipped to global norm 1; SGD lr 1; the printed perplexity is
//   exp(mean loss over the epoch's batches) of the LAST epoch, and tokens/sec is that last epoch's speed.
//   Here the perplexity is the same quantity; the speed is the MEDIAN epoch (the machine is shared and noisy).
// - predict_ch8: the prefix is fed through the model, then 50 greedy (argmax) characters.
// - Models: one-hot inputs (no embedding), one recurrent layer, a linear output layer. rnn-scratch uses
//   hidden 512, the rest 256. The book's "scratch" models draw weights from N(0, 0.01²) with zero biases (and
//   a single bias per gate); its "concise" models are nn.RNN / nn.GRU / nn.LSTM with PyTorch's uniform
//   initialisation. Every run here is LanguageModel({ vocabSize: 28, cell, hiddenSize }) with the library's
//   PyTorch initialisation, i.e. the concise models; the scratch RNN differs from the book's only in its
//   initialisation and in having PyTorch's two bias vectors.
//
// The chapter's printed figures (the "d2l" columns) are those of the classic PyTorch build executed on
// 2022-11-12, as stored in the executed notebooks of github.com/d2l-ai/d2l-pytorch-slides-classic
// (chapter_recurrent-neural-networks/rnn-scratch.ipynb, rnn-concise.ipynb, chapter_recurrent-modern/gru.ipynb,
// lstm.ipynb), all "on cuda:0" (the notebooks do not name the GPU). Other builds of the book print other
// numbers (e.g. GRU scratch "perplexity 1.1, 26805.4 tokens/sec"), since every run is random.

import os from "node:os";
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs as parseCommandLine } from "node:util";
import { generateText, init, LanguageModel, Trainer, type CellType, type EpochResult, type Vocabulary } from "../src/index.js";
import { BATCH, CLIP, DEFAULT_DATA, LR, NUM_STEPS, d2lTrainerOptions, loadTimeMachine } from "./d2l-data.js";

const PREDICT_CHARS = 50;
const DEFAULT_EPOCHS = 500;
const DEFAULT_PREFIXES = ["time traveller ", "traveller "];

// ---------------------------------------------------------------- the chapter's figures ----

interface Published {
  variant: "scratch" | "concise";
  section: string;
  perplexity: number;
  tokensPerSecond: number;
  continuations: [string, string];
}

const SOURCE = "d2l-ai/d2l-pytorch-slides-classic, executed 2022-11-12, cuda:0";

const PUBLISHED: Record<string, Published> = {
  "rnn-scratch": {
    variant: "scratch", section: "8.5 rnn-scratch (H=512)", perplexity: 1.2, tokensPerSecond: 43615.6,
    continuations: ["time traveller cume brive alan focemicencab that chile loug the ", "traveller whthand dexnetion batdean ut ncu hed any of the t"],
  },
  "rnn-concise": {
    variant: "concise", section: "8.6 rnn-concise (H=256)", perplexity: 1.3, tokensPerSecond: 279664.0,
    continuations: ["time traveller but now you begin to seethe object of my investig", "travellerey thind to move ato the engron th you mere heregh"],
  },
  "gru-scratch": {
    variant: "scratch", section: "9.1 gru, from scratch", perplexity: 1.1, tokensPerSecond: 20459.5,
    continuations: ["time traveller for so it will be convenient to speak of himwas e", "travelleryou can show black is white by argument said filby"],
  },
  "gru-concise": {
    variant: "concise", section: "9.1 gru, nn.GRU", perplexity: 1.0, tokensPerSecond: 283912.8,
    continuations: ["time travelleryou can show black is white by argument said filby", "travelleryou can show black is white by argument said filby"],
  },
  "lstm-scratch": {
    variant: "scratch", section: "9.2 lstm, from scratch", perplexity: 1.1, tokensPerSecond: 22161.1,
    continuations: ["time traveller three the lermot you of a listouscount but hewh t", "traveller comes the larther absert and this now more a mong"],
  },
  "lstm-concise": {
    variant: "concise", section: "9.2 lstm, nn.LSTM", perplexity: 1.0, tokensPerSecond: 315170.8,
    continuations: ["time travelleryou can show black is white by argument said filby", "travelleryou can show black is white by argument said filby"],
  },
};

interface RunSpec {
  key: string;
  name: string;
  cell: CellType;
  hiddenSize: number;
  /** Keys of PUBLISHED: the chapter's runs this one is compared with. */
  d2l: string[];
}

const RUNS: RunSpec[] = [
  { key: "rnn-scratch", name: "RNN (scratch, H=512)", cell: "rnn", hiddenSize: 512, d2l: ["rnn-scratch"] },
  { key: "rnn-concise", name: "RNN (concise, H=256)", cell: "rnn", hiddenSize: 256, d2l: ["rnn-concise"] },
  { key: "gru", name: "GRU (H=256)", cell: "gru", hiddenSize: 256, d2l: ["gru-concise", "gru-scratch"] },
  { key: "lstm", name: "LSTM (H=256)", cell: "lstm", hiddenSize: 256, d2l: ["lstm-concise", "lstm-scratch"] },
];

// ---------------------------------------------------------------- arguments ----

interface Args {
  data: string;
  epochs: number;
  runs: RunSpec[];
  seed: number;
  prefixes: string[];
  json?: string;
}

function usage(error?: string): never {
  if (error) console.error(`bench/d2l: ${error}`);
  console.error("usage: node dist/bench/d2l.js [--data <path>] [--epochs N] [--only rnn-scratch,rnn-concise,rnn,gru,lstm] [--seed N] [--prefix <text>]... [--json <file>]");
  process.exit(error ? 2 : 0);
}

function parseArgs(argv: string[]): Args {
  let values: { data?: string; epochs?: string; only?: string; seed?: string; prefix?: string[]; json?: string; help?: boolean };
  try {
    ({ values } = parseCommandLine({
      args: argv,
      options: {
        data: { type: "string" },
        epochs: { type: "string" },
        only: { type: "string" },
        seed: { type: "string" },
        prefix: { type: "string", multiple: true },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage();
  const int = (name: string, text: string | undefined, fallback: number, min: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min) usage(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
  let runs = RUNS;
  if (values.only !== undefined) {
    const keys = values.only.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
    const known = new Set([...RUNS.map((r) => r.key), "rnn"]);
    const unknown = keys.filter((k) => !known.has(k));
    if (keys.length === 0 || unknown.length > 0) usage(`--only takes ${[...known].join(", ")}; got ${JSON.stringify(values.only)}`);
    runs = RUNS.filter((r) => keys.includes(r.key) || (keys.includes("rnn") && r.cell === "rnn"));
  }
  const prefixes = values.prefix ?? DEFAULT_PREFIXES;
  if (prefixes.some((p) => p.length === 0)) usage("--prefix must not be empty");
  return {
    data: values.data ?? DEFAULT_DATA,
    epochs: int("epochs", values.epochs, DEFAULT_EPOCHS, 1),
    runs,
    seed: int("seed", values.seed, 0, 0),
    prefixes,
    json: values.json,
  };
}

// ---------------------------------------------------------------- data, as d2l prepares it ----

interface Corpus {
  vocab: Vocabulary;
  /** The first MAX_TOKENS ids of the book (what load_data_time_machine trains on). */
  ids: Int32Array;
  /** Length of the whole corpus before the cap (170,580 for d2l's timemachine.txt). */
  fullLength: number;
  lines: number;
}

function loadCorpus(path: string): Corpus {
  const { vocab, all, ids, lines } = loadTimeMachine(path);
  return { vocab, ids, fullLength: all.length, lines };
}

// ---------------------------------------------------------------- one run ----

interface Row {
  key: string;
  name: string;
  cell: CellType;
  hiddenSize: number;
  parameters: number;
  epochs: number;
  stepsPerEpoch: number;
  tokensPerEpoch: number;
  /** exp(mean cross-entropy) over the last epoch's batches, and the loss itself. */
  perplexity: number;
  loss: number;
  /** Median over epochs of the epoch's training throughput, and of its time per update step. */
  tokensPerSecond: number;
  msPerStep: number;
  /** Wall time of all training epochs. */
  seconds: number;
  /** Perplexity at each progress point: [epoch, perplexity]. */
  curve: [number, number][];
  continuations: Record<string, string>;
  stopped?: string;
  d2l: (Published & { key: string })[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function run(spec: RunSpec, corpus: Corpus, args: Args): Row {
  const lm = new LanguageModel({ vocabSize: corpus.vocab.size, cell: spec.cell, hiddenSize: spec.hiddenSize, seed: args.seed });
  const trainer = new Trainer(lm, corpus.ids, d2lTrainerOptions(args.seed));
  const every = Math.min(50, Math.max(1, Math.ceil(args.epochs / 10)));
  const tokensPerSecond: number[] = [], msPerStep: number[] = [], curve: [number, number][] = [];
  let last: EpochResult | null = null;
  let stopped: string | undefined;
  const started = performance.now();
  for (let epoch = 1; epoch <= args.epochs; epoch++) {
    const r = trainer.trainEpoch();
    if (r.stopped) {
      stopped = r.stopped;
      console.error(`[${spec.name}] stopped: ${r.stopped}`);
      break;
    }
    last = r;
    const steps = r.tokens / (BATCH * NUM_STEPS);
    tokensPerSecond.push(r.tokensPerSecond);
    msPerStep.push((r.seconds * 1000) / steps);
    if (epoch % every === 0 || epoch === 1 || epoch === args.epochs) {
      curve.push([epoch, r.perplexity]);
      const elapsed = (performance.now() - started) / 1000;
      console.error(
        `[${spec.name}] epoch ${String(epoch).padStart(String(args.epochs).length)}/${args.epochs}  perplexity ${r.perplexity.toFixed(3)}` +
        `  ${Math.round(r.tokensPerSecond)} tokens/s  ${elapsed.toFixed(1)} s`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const continuations: Record<string, string> = {};
  for (const prefix of args.prefixes) continuations[prefix] = prefix + generateText(lm, corpus.vocab, prefix, PREDICT_CHARS, { greedy: true });
  const row: Row = {
    key: spec.key,
    name: spec.name,
    cell: spec.cell,
    hiddenSize: spec.hiddenSize,
    parameters: lm.parameterCount,
    epochs: trainer.epoch,
    stepsPerEpoch: last ? last.tokens / (BATCH * NUM_STEPS) : 0,
    tokensPerEpoch: last?.tokens ?? 0,
    perplexity: last?.perplexity ?? NaN,
    loss: last?.loss ?? NaN,
    tokensPerSecond: tokensPerSecond.length ? median(tokensPerSecond) : NaN,
    msPerStep: msPerStep.length ? median(msPerStep) : NaN,
    seconds,
    curve,
    continuations,
    d2l: spec.d2l.map((key) => ({ key, ...PUBLISHED[key] })),
  };
  if (stopped) row.stopped = stopped;
  trainer.dispose();
  lm.dispose();
  return row;
}

// ---------------------------------------------------------------- report ----

function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–";
}

function d2lCell(row: Row, pick: (p: Published) => string): string {
  return row.d2l.map((p) => `${pick(p)} (${p.variant})`).join(" / ");
}

function table(rows: Row[]): string {
  const out = [
    "| run | epochs | perplexity | d2l perplexity | tokens/s (median epoch) | d2l tokens/s (GPU, cuda:0) | ms/step (median) | total s |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.name}${r.stopped ? " (stopped)" : ""} | ${r.epochs} | ${r.perplexity.toFixed(2)} | ${d2lCell(r, (p) => p.perplexity.toFixed(1))} | ` +
      `${fmtInt(r.tokensPerSecond)} | ${d2lCell(r, (p) => fmtInt(p.tokensPerSecond))} | ${r.msPerStep.toFixed(1)} | ${r.seconds.toFixed(1)} |`,
    );
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.data)) {
    console.error(`bench/d2l: data file not found: ${args.data} (pass --data <path to timemachine.txt>)`);
    process.exit(1);
  }
  const { build } = await init();
  const corpus = loadCorpus(args.data);
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const meta = {
    build,
    node: process.version,
    cpu,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
    data: args.data,
    lines: corpus.lines,
    corpusLength: corpus.fullLength,
    trainedTokens: corpus.ids.length,
    vocabulary: corpus.vocab.tokens.join(""),
    vocabSize: corpus.vocab.size,
    epochs: args.epochs,
    batchSize: BATCH,
    numSteps: NUM_STEPS,
    lr: LR,
    clip: CLIP,
    seed: args.seed,
    published: SOURCE,
  };
  console.log(`wasm-rnn d2l reproduction — build "${build}", Node ${meta.node}, ${cpu} × ${meta.cpus}, load ${meta.loadavg.join(" ")}`);
  console.log(
    `${args.data}: ${corpus.lines} lines → ${corpus.fullLength} characters, first ${corpus.ids.length} trained on; ` +
    `vocabulary ${corpus.vocab.size} (${JSON.stringify(corpus.vocab.tokens.slice(0, 6))}…)`,
  );
  console.log(`batch ${BATCH}, num_steps ${NUM_STEPS}, sequential partition, SGD lr ${LR}, clip ${CLIP}, ${args.epochs} epochs, seed ${args.seed}\n`);

  const rows: Row[] = [];
  for (const spec of args.runs) {
    const row = run(spec, corpus, args);
    rows.push(row);
    console.log(
      `${row.name}: perplexity ${row.perplexity.toFixed(3)} after ${row.epochs} epochs, ${fmtInt(row.tokensPerSecond)} tokens/s (median epoch), ` +
      `${row.msPerStep.toFixed(1)} ms/step, ${row.seconds.toFixed(1)} s total (${row.stepsPerEpoch} steps × ${row.epochs} epochs, ${row.parameters} parameters)` +
      (row.stopped ? ` — STOPPED: ${row.stopped}` : ""),
    );
    for (const text of Object.values(row.continuations)) console.log(`  ${JSON.stringify(text)}`);
    console.log("");
  }

  console.log(table(rows));
  console.log(`\nd2l columns: the chapter's printed "perplexity …, … tokens/sec on cuda:0" (${SOURCE}); ours: ${cpu}, one thread, wasm "${build}".`);
  console.log("\nd2l's continuations (its prefixes are \"time traveller\" and \"traveller\", no trailing space):");
  for (const r of rows) {
    for (const p of r.d2l) console.log(`  ${p.section}: ${p.continuations.map((c) => JSON.stringify(c)).join(" / ")}`);
  }

  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ meta, rows }, null, 2) + "\n");
    console.log(`\nwrote ${args.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
