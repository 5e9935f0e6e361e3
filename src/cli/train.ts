// `wasm-rnn train <corpus>` / `wasm-rnn train --builtin names`: trains a character- or word-level language
// model, with a progress bar, a validation perplexity per epoch, samples every few epochs, a checkpoint at
// every epoch end (resumable exactly with --resume) and the model saved at the end.

import { resolve } from "node:path";
import { Command, Option } from "commander";
import {
  init, evaluatePerplexity, generateText, loadCheckpoint, saveCheckpoint, saveModel, LanguageModel, Trainer, Vocabulary,
  type Checkpoint, type Partition, type Schedule, type StepInfo, type TrainerOptions,
} from "../node.js";
import { firstToken } from "../text/tokenize.js";
import { BUILTIN_CORPORA, addMaxBytesOption, builtinCorpus, readTextFile, splitValidation, textChecksum, type Corpus } from "./corpus.js";
import { describeModel } from "./convert.js";
import { EVAL_BATCH, EVAL_STEPS } from "./eval.js";
import { WasmMemoryError } from "../../bindings/index.js";
import { fail, CliError } from "./errors.js";
import { givenFlags } from "./given-flags.js";
import { loadResumable } from "./model-kind.js";
import { prepareRunOutputs } from "./outputs.js";
import { stderrBar } from "./progress-bar.js";
import { addResumeOptions, ownFiles, refuseChangedFlags, refuseFinishedRun, resumedCheckpoint } from "./resume.js";
import { runOutput } from "./run-output.js";
import {
  CELLS, LEVELS, OPTIMIZERS, OUTPUT_KEYS, PARTITIONS, RUN_KEYS, SCHEDULES, newSettings, storedSettings, type TrainFlags, type TrainSettings,
} from "./train-settings.js";
import { filePath, fraction, nonNegativeFloat, positiveFloat, positiveInt, seed } from "./values.js";

/** Samples: a draw at temperature 0.8 from the 10 most likely tokens (greedy text loops), from a fixed seed. */
const SAMPLE_TEMPERATURE = 0.8;
const SAMPLE_TOP_K = 10;

export function registerTrain(program: Command): void {
  const command = program
    .command("train")
    .description("train a language model on a text file (or a built-in corpus) and save it")
    .argument("[corpus]", "a UTF-8 text file (or use --builtin, or --resume)", filePath)
    .addOption(new Option("--builtin <name>", "train on a built-in corpus: names = 8,400 English first names, one per line").choices([...BUILTIN_CORPORA]))
    .addOption(new Option("--level <level>", "tokens: characters or words").choices(LEVELS).default("char"))
    .option("--min-freq <n>", "tokens seen fewer times become <unk>", positiveInt, 1)
    .addOption(new Option("--cell <cell>", "recurrent cell").choices(CELLS).default("lstm"))
    .option("--hidden <size>", "hidden size", positiveInt, 256)
    .option("--layers <n>", "recurrent layers", positiveInt, 1)
    .option("--embed <size>", "embedding size (default: one-hot inputs)", positiveInt)
    .option("--dropout <p>", "dropout between recurrent layers (needs --layers ≥ 2)", fraction, 0)
    .option("--steps <n>", "BPTT sequence length", positiveInt, 35)
    .option("--batch <n>", "sequences per batch", positiveInt, 32)
    .option("--lr <rate>", "learning rate (default: 1 for sgd, 0.002 for adam / adamw)", positiveFloat)
    .addOption(new Option("--optimizer <name>", "optimizer").choices(OPTIMIZERS).default("adam"))
    .option("--momentum <m>", "SGD momentum in [0, 1)", fraction)
    .option("--weight-decay <w>", "L2 penalty (sgd, adam) or decoupled decay (adamw; default 0.01)", nonNegativeFloat)
    .option("--clip <norm>", "clip the gradient to this global norm (0: no clipping)", nonNegativeFloat, 1)
    .addOption(new Option("--schedule <kind>", "learning-rate schedule: constant; step = halve at every quarter of the run; cosine = down to 0 over the run").choices(SCHEDULES).default("constant"))
    .option("--epochs <n>", "passes over the text", positiveInt, 10)
    .addOption(new Option("--partition <kind>", "batches: sequential (state carried) or random (state reset)").choices(PARTITIONS).default("sequential"))
    .option("--seed <n>", "seed of the weights, the batches, dropout, samples and the built-in corpus's order", seed, 0)
    .option("--val-split <fraction>", "fraction of the text held out at its end for validation (0: none)", fraction, 0.1)
    .option("--out <path>", "where to save the model (.safetensors: safetensors)", filePath, "model.wrnn");
  addResumeOptions(command)
    .option("--sample-every <epochs>", "print a sample every this many epochs (default: about 10 over the run)", positiveInt)
    .option("--sample-length <tokens>", "tokens per sample", positiveInt, 100)
    .option("--prefix <text>", "prefix of the samples (default: the corpus's first word, or a newline for names)")
    .option("--quiet", "print only the final summary")
    .option("--force", "replace an existing --out or checkpoint file (a --resume run may always replace its own)");
  addMaxBytesOption(command).action(async (corpusArg: string | undefined, flags: TrainFlags, command: Command) => {
    await train(corpusArg, flags, command);
  });
}

/** What a run holds in wasm memory, released however it ends. */
interface Owned {
  lm: LanguageModel | null;
  trainer: Trainer | null;
}

async function train(corpusArg: string | undefined, flags: TrainFlags, command: Command): Promise<void> {
  const owned: Owned = { lm: null, trainer: null };
  try {
    await run(corpusArg, flags, command, owned);
  } finally {
    owned.trainer?.dispose();
    owned.lm?.dispose();
  }
}

async function run(corpusArg: string | undefined, flags: TrainFlags, command: Command, owned: Owned): Promise<void> {
  await init();
  const given = givenFlags(command);
  const quiet = flags.quiet ?? false;
  const { say, log, progress } = runOutput(quiet);

  // ------------------------------------------------------------------------------- settings ----
  let checkpoint: Checkpoint | null = null;
  let settings: TrainSettings;
  let own: string[] = []; // a resumed run's own model and checkpoint, which it may replace
  if (flags.resume) {
    checkpoint = await loadResumable(flags.resume, "train", (p) => loadCheckpoint(p));
    owned.lm = checkpoint.lm;
    settings = storedSettings(checkpoint.settings, flags.resume);
    own = ownFiles(settings);
    refuseChangedFlags(RUN_KEYS, given, (key) => flags[key], (key) => settings[key], flags.resume);
    if (corpusArg !== undefined && (settings.corpus === null || resolve(corpusArg) !== settings.corpus)) {
      fail(`the checkpoint ${flags.resume} was trained on ${settings.corpus ?? `--builtin ${settings.builtin}`}, not ${corpusArg}; give no corpus to --resume (it uses the stored one)`);
    }
    if (given("epochs")) settings.epochs = flags.epochs;
    for (const key of OUTPUT_KEYS) if (given(key)) (settings as unknown as Record<string, unknown>)[key] = flags[key];
    settings.checkpoint = resumedCheckpoint(settings, flags.checkpoint, given);
    refuseFinishedRun(flags.resume, checkpoint.trainer.epoch, settings.epochs);
  } else {
    settings = newSettings(corpusArg, flags);
  }

  // -------------------------------------------------------------------------------- outputs ----
  // Before the corpus is read and long before the first save. A resumed run continues its own files.
  await prepareRunOutputs(settings, flags.force ?? false, own);

  // --------------------------------------------------------------------------------- corpus ----
  const corpus: Corpus = settings.builtin ? await builtinCorpus(settings.builtin, settings.seed)
    : await readTextFile(checkpoint ? settings.corpus! : corpusArg!, "corpus", flags.maxBytes);
  const checksum = textChecksum(corpus.text);
  if (checkpoint && checksum !== settings.corpusChecksum) {
    fail(`${corpus.source} has changed since the checkpoint ${flags.resume} was saved (checksum ${checksum}, was ${settings.corpusChecksum}); resuming needs the same text`);
  }
  settings.corpusChecksum = checksum;
  const { train: trainText, validation: valText } = splitValidation(corpus.text, settings.valSplit, settings.level);
  const vocab = checkpoint ? checkpoint.vocab : Vocabulary.build(trainText, { level: settings.level, minFreq: settings.minFreq });
  if (!vocab) {
    fail(`the checkpoint ${flags.resume} has no vocabulary`);
  }
  const trainIds = vocab.encode(trainText);
  const B = settings.batch, T = settings.steps;
  const needed = B * T + Math.max(B, T); // one batch from any random start offset (< T)
  const heldOut = settings.valSplit > 0 ? ` after holding out ${settings.valSplit * 100}% for validation` : "";
  if (trainIds.length === 0) {
    fail(`${corpus.source} has no ${settings.level === "word" ? "words" : "characters"} to train on${heldOut}`);
  }
  if (trainIds.length < needed) {
    fail(`${corpus.source} is too short: it has ${trainIds.length} training tokens${heldOut}, and one batch of --batch ${B} × --steps ${T} needs at least ${needed}; use a longer text or smaller --batch / --steps`);
  }
  const valIds = vocab.encode(valText);
  const validate = valIds.length >= 2;
  let valUnknown = 0;
  for (const id of valIds) if (id === vocab.unkId) valUnknown++;

  // ---------------------------------------------------------------------- model and trainer ----
  const lm = owned.lm = checkpoint ? checkpoint.lm : withFlags("--hidden, --layers or --embed", () => new LanguageModel({
    vocabSize: vocab.size, cell: settings.cell, hiddenSize: settings.hidden, numLayers: settings.layers,
    ...(settings.embed !== null ? { embedSize: settings.embed } : {}), dropout: settings.dropout, seed: settings.seed,
  }));
  const perEpoch = batchesPerEpoch(trainIds.length, B, T, settings.partition);
  const trainer = owned.trainer = withFlags("--hidden, --layers or --embed", () => new Trainer(lm, trainIds, trainerOptions(settings, perEpoch)));
  if (checkpoint) trainer.restoreState(checkpoint.trainer);

  const prefix = settings.prefix ?? defaultSamplePrefix(corpus, trainText, vocab);
  if (vocab.tokenize(prefix).length === 0) fail(`the sample prefix ${JSON.stringify(prefix)} holds no ${vocab.level === "word" ? "word" : "character"}`);
  const sampleEvery = settings.sampleEvery ?? Math.max(1, Math.round(settings.epochs / 10));
  const firstEpoch = trainer.epoch + 1;
  log(`${checkpoint ? `resuming ${flags.resume} at epoch ${firstEpoch}` : "training"}: ${describeModel(lm, vocab)}`);
  log(`corpus: ${corpus.source}: ${trainIds.length.toLocaleString("en-US")} training tokens${validate ? `, ${valIds.length.toLocaleString("en-US")} validation tokens (${valUnknown} unknown)` : ""}`);
  log(`${settings.optimizer} lr ${settings.lr}${settings.schedule !== "constant" ? ` (${settings.schedule})` : ""}, clip ${settings.clip || "off"}, batch ${B} × ${T} steps (${perEpoch} batches per epoch, ${settings.partition}), ${settings.epochs} epochs, seed ${settings.seed}`);

  const bar = stderrBar("epoch {epoch}/{epochs} {bar} {value}/{total} | {speed} tok/s | loss {loss} | ppl {ppl} | ETA {runEta}", quiet);

  const runStarted = performance.now();
  let stepsDone = 0, tokens = 0, seconds = 0;
  const totalSteps = (settings.epochs - firstEpoch + 1) * perEpoch;
  for (let epoch = firstEpoch; epoch <= settings.epochs; epoch++) {
    const epochStarted = performance.now();
    let epochTokens = 0;
    bar?.start(perEpoch, 0, { epoch, epochs: settings.epochs, speed: "-", loss: "-", ppl: "-", runEta: "-" });
    const onStep = (info: StepInfo) => {
      stepsDone++;
      epochTokens += info.tokens;
      if (!bar) return;
      const now = performance.now();
      const eta = ((now - runStarted) / stepsDone) * Math.max(0, totalSteps - stepsDone);
      bar.setTotal(info.batches);
      bar.update(info.batch, {
        speed: Math.round(epochTokens / ((now - epochStarted) / 1000)).toLocaleString("en-US"),
        loss: info.loss.toFixed(3), ppl: Math.exp(info.loss).toFixed(2), runEta: duration(eta / 1000),
      });
    };
    const result = withFlags("--batch or --steps", () => trainer.trainEpoch(onStep));
    bar?.stop();
    tokens += result.tokens;
    seconds += result.seconds;
    if (result.stopped) {
      await saveModel(settings.out, lm, vocab);
      say(`saved the last good weights (after step ${trainer.step}) to ${settings.out}`);
      throw new CliError(`training stopped: ${result.stopped}`, 2);
    }
    const val = validate ? evaluatePerplexity(lm, valIds, { batchSize: EVAL_BATCH, seqLen: EVAL_STEPS }) : null;
    if (val && !Number.isFinite(val.perplexity)) {
      // finite training losses, but the held-out text has become impossible under the model: diverged all the same
      await saveModel(settings.out, lm, vocab);
      say(`saved the weights after step ${trainer.step} to ${settings.out}`);
      throw new CliError(`training stopped: the validation perplexity became ${val.perplexity} after epoch ${epoch} (cross-entropy ${val.loss.toPrecision(4)}); lower --lr or turn on --clip`, 2);
    }
    progress(`epoch ${epoch}/${settings.epochs}: loss ${result.loss.toFixed(4)}, perplexity ${result.perplexity.toFixed(3)}${val ? `, validation ${val.perplexity.toFixed(3)}` : ""}, ${Math.round(result.tokensPerSecond).toLocaleString("en-US")} tokens/s, ${result.seconds.toFixed(1)} s`);
    if (settings.checkpoint) await saveCheckpoint(settings.checkpoint, lm, vocab, trainer, { ...settings } as unknown as Record<string, unknown>);
    if (!quiet && (epoch % sampleEvery === 0 || epoch === settings.epochs)) {
      const text = generateText(lm, vocab, prefix, settings.sampleLength, { temperature: SAMPLE_TEMPERATURE, topK: SAMPLE_TOP_K, seed: settings.seed });
      say(`sample after epoch ${epoch} (train perplexity ${result.perplexity.toFixed(2)}${val ? `, validation ${val.perplexity.toFixed(2)}` : ""}):`);
      say(formatSample(prefix, text, corpus));
    }
  }

  // ----------------------------------------------------------------------------- summary ----
  const finalTrain = evaluatePerplexity(lm, trainIds, { batchSize: EVAL_BATCH, seqLen: EVAL_STEPS });
  const finalVal = validate ? evaluatePerplexity(lm, valIds, { batchSize: EVAL_BATCH, seqLen: EVAL_STEPS }) : null;
  await saveModel(settings.out, lm, vocab);
  say(`final: train perplexity ${finalTrain.perplexity.toFixed(3)}${finalVal ? `, validation perplexity ${finalVal.perplexity.toFixed(3)}` : " (no validation text)"}; ${Math.round(tokens / seconds).toLocaleString("en-US")} tokens/s over ${settings.epochs - firstEpoch + 1} epoch${settings.epochs - firstEpoch === 0 ? "" : "s"} (${duration((performance.now() - runStarted) / 1000)})`);
  say(`saved ${settings.out}${settings.checkpoint ? ` (checkpoint: ${settings.checkpoint})` : ""}`);
  log(`next: npx wasm-rnn generate ${settings.out} --temperature ${SAMPLE_TEMPERATURE} --top-k ${SAMPLE_TOP_K}  |  npx wasm-rnn eval ${settings.out} <text file>`);
}

function trainerOptions(s: TrainSettings, perEpoch: number): TrainerOptions {
  const total = Math.max(1, s.epochs * perEpoch);
  const schedule: Schedule = s.schedule === "cosine" ? { kind: "cosine", total }
    : s.schedule === "step" ? { kind: "step", every: Math.max(1, Math.round(total / 4)), gamma: 0.5 }
    : { kind: "constant" };
  return {
    batchSize: s.batch, seqLen: s.steps, partition: s.partition, seed: s.seed, schedule,
    ...(s.clip > 0 ? { clip: s.clip } : {}),
    optimizer: {
      name: s.optimizer, lr: s.lr,
      ...(s.momentum !== null ? { momentum: s.momentum } : {}),
      ...(s.weightDecay !== null ? { weightDecay: s.weightDecay } : {}),
    },
  };
}

/** Batches in an epoch (exact for a zero start offset; a random offset may drop one). */
function batchesPerEpoch(n: number, B: number, T: number, partition: Partition): number {
  return partition === "sequential" ? Math.floor(Math.floor((n - 1) / B) / T) : Math.floor(Math.floor((n - 1) / T) / B);
}

/** Names: a newline (a name from scratch). Otherwise the corpus's first word (≤ 8 characters), or first token. */
function defaultSamplePrefix(corpus: Corpus, text: string, vocab: Vocabulary): string {
  if (corpus.names) return "\n";
  const first = firstToken(text, vocab.level) ?? ""; // not tokenize(text): that is a string per token of the corpus
  if (vocab.level === "word") return first;
  const word = /^\S{1,8}/u.exec(text.slice(0, 64));
  return word ? Array.from(word[0]).slice(0, 8).join("") : first;
}

function formatSample(prefix: string, generated: string, corpus: Corpus): string {
  const full = prefix + generated;
  if (corpus.names) {
    const parts = full.split("\n");
    if (parts.length > 1 && !full.endsWith("\n")) parts.pop(); // the last name was cut off by the length
    const names = parts.map((p) => p.trim()).filter((p) => p !== "");
    const invented = names.filter((n) => !corpus.names!.has(n)).length;
    return `  ${names.join(", ")}  (${invented} of ${names.length} not in the list)`;
  }
  return full.replace(/^\n+/, "").split("\n").map((line) => `  ${line}`).join("\n");
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** Runs `work`; an out-of-memory error gets the command-line flags that decide the size it ran out on. */
function withFlags<T>(flags: string, work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof WasmMemoryError) throw new CliError(`${e.message} (on the command line: ${flags})`);
    throw e;
  }
}
