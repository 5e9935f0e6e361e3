// `wasm-rnn fit <data> --task classify|tag|regress|forecast`: trains a task model on a CSV or JSONL file, with
// a progress bar, one line per epoch (loss, validation loss and metrics, padding, speed), a checkpoint at
// every epoch end (resumable exactly with --resume), and the final metrics; the model is saved atomically.

import { resolve } from "node:path";
import { Command, Option } from "commander";
import { init, Sequential } from "../node.js";
import {
  CALENDAR_FEATURES, TaskModel, TaskTrainer, loadTaskCheckpoint, saveTaskCheckpoint, saveTaskModel,
  type TaskCheckpoint, type TaskStepInfo,
} from "../tasks/node.js";
import { addMaxBytesOption } from "./corpus.js";
import { CliError, fail } from "./errors.js";
import { givenFlags } from "./given-flags.js";
import { loadResumable } from "./model-kind.js";
import { prepareRunOutputs } from "./outputs.js";
import { stderrBar } from "./progress-bar.js";
import { addResumeOptions, ownFiles, refuseChangedFlags, refuseFinishedRun, resumedCheckpoint } from "./resume.js";
import { runOutput } from "./run-output.js";
import { fitData } from "./task-datasets.js";
import { classificationReport, epochLine, originalScores, regressionReport } from "./task-report.js";
import { readTable } from "./task-table.js";
import {
  MONITORS, OUTPUTS, POOLS, RUN_FLAGS, TASKS, describeModules, moduleConfigs, newSettings, storedFlagValue, storedSettings, trainerOptions,
  type FitFlags, type TaskSettings,
} from "./task-settings.js";
import { CELLS, LEVELS, OPTIMIZERS, SCHEDULES } from "./train-settings.js";
import { filePath, fraction, nonNegativeFloat, positiveFloat, positiveInt, seed } from "./values.js";

export function registerFit(program: Command): void {
  const command = program
    .command("fit")
    .description("train a classifier, tagger, regressor or forecaster on a CSV or JSONL file and save it")
    .argument("[data]", "a .csv file with a header row, or a .jsonl file (one JSON object per line)", filePath)
    .addOption(new Option("--task <task>", "classify: a label per row; tag: a tag per token; regress: numbers from a sequence; forecast: a time series").choices(TASKS))
    .option("--text <field>", "classify: the input (text; in JSONL also an array of numbers or of arrays)", "text")
    .option("--label <field>", "classify: the label", "label")
    .option("--tokens <field>", "tag: the tokens (a JSON array, or space-separated text)", "tokens")
    .option("--tags <field>", "tag: one tag per token (a JSON array, or space-separated text)", "tags")
    .option("--input <field>", "regress: the input sequence (JSON arrays, or a cell \"1 2; 3 4\": steps by ;, features by spaces)", "input")
    .option("--target <field>", "regress: the target (default target); forecast: the column(s) to forecast, e.g. sales or a,b")
    .option("--per-step", "regress: targets per step (default: per sequence)")
    .option("--date <column>", "forecast: ISO 8601 dates, one per row (for --calendar and --validation-from <date>)")
    .option("--features <columns>", "forecast: more input columns, known in the history, e.g. temp,holiday")
    .addOption(new Option("--level <level>", "classify text: tokens are characters or words").choices(LEVELS).default("char"))
    .option("--max-length <n>", "keep the first n tokens of a longer text or token list", positiveInt)
    .option("--min-freq <n>", "tokens seen fewer times in training become <unk>", positiveInt, 1)
    .option("--lookback <steps>", "forecast: steps of history the model reads", positiveInt, 24)
    .option("--horizon <steps>", "forecast: steps predicted at once (--output direct)", positiveInt, 1)
    .addOption(new Option("--output <kind>", "forecast: direct = --horizon steps at once; step = one step ahead, then recursively").choices(OUTPUTS).default("direct"))
    .option("--calendar <features>", `forecast: calendar features of each row's date, from ${CALENDAR_FEATURES.join(",")}`)
    .option("--validation-from <date|row>", "forecast: validate from this date on (or row index N: the first N rows train)")
    .addOption(new Option("--cell <cell>", "recurrent cell").choices(CELLS).default("gru"))
    .option("--hidden <size>", "hidden size", positiveInt, 64)
    .option("--layers <n>", "recurrent layers", positiveInt, 1)
    .option("--bidirectional", "read each sequence both ways")
    .option("--embed <size>", "embedding size of token inputs (default 32)", positiveInt)
    .option("--dropout <p>", "dropout after the recurrent layers (and between them)", fraction, 0)
    .addOption(new Option("--pool <mode>", "how a sequence becomes one vector (default: mean for classify, last otherwise)").choices(POOLS))
    .option("--epochs <n>", "passes over the training data", positiveInt, 10)
    .option("--batch-size <n>", "examples per batch", positiveInt, 32)
    .option("--lr <rate>", "learning rate (default 0.005 for adam / adamw, 0.1 for sgd)", positiveFloat)
    .addOption(new Option("--optimizer <name>", "optimizer").choices(OPTIMIZERS).default("adam"))
    .option("--weight-decay <w>", "L2 penalty (sgd, adam) or decoupled decay (adamw)", nonNegativeFloat)
    .option("--clip <norm>", "clip the gradient to this global norm (0: no clipping)", nonNegativeFloat, 1)
    .addOption(new Option("--schedule <kind>", "learning-rate schedule: constant; step = halve at every quarter of the run; cosine = down to 0").choices(SCHEDULES).default("constant"))
    .option("--seed <n>", "seed of the weights, the validation split, the batches and dropout", seed, 0)
    .option("--validation <fraction>", "share of the rows held out for validation (forecast: the last rows; 0: none)", fraction, 0.1)
    .option("--early-stopping <patience>", "stop after this many epochs without a better validation --monitor, keeping the best weights", positiveInt)
    .addOption(new Option("--monitor <metric>", "what --early-stopping watches (mae and rmse on the standardised targets)").choices(Object.keys(MONITORS)).default("loss"))
    .addOption(new Option("--class-weights <kind>", "classify, tag: weigh each class's loss by n / (classes · its count)").choices(["balanced"]))
    .option("--out <path>", "where to save the model (.safetensors: safetensors); required unless --dry-run", filePath);
  addResumeOptions(command)
    .option("--force", "replace an existing --out or checkpoint file (a --resume run may always replace its own)")
    .option("--dry-run", "read the data and build the model, then stop: nothing is trained or saved")
    .option("--quiet", "print only the final summary");
  addMaxBytesOption(command, "data file").action(async (dataArg: string | undefined, flags: FitFlags, cmd: Command) => {
    const owned: Owned = { model: null, trainer: null };
    try {
      await fit(dataArg, flags, cmd, owned);
    } finally {
      owned.trainer?.dispose();
      owned.model?.dispose();
    }
  });
}

/** What a run holds in wasm memory, released however it ends. */
interface Owned {
  model: TaskModel | null;
  trainer: TaskTrainer | null;
}

/** What a task model keeps of the settings: how to read its data again (eval, predict). */
function modelSettings(s: TaskSettings): Record<string, unknown> {
  return { fields: s.fields, ...(s.task === "regress" ? { perStep: s.perStep } : {}) };
}

async function fit(dataArg: string | undefined, flags: FitFlags, command: Command, owned: Owned): Promise<void> {
  await init();
  const given = givenFlags(command);
  const quiet = flags.quiet ?? false;
  const { say, log, progress } = runOutput(quiet);

  // ------------------------------------------------------------------------------- settings ----
  let checkpoint: TaskCheckpoint | null = null;
  let settings: TaskSettings;
  let own: string[] = [];
  if (flags.resume) {
    if (flags.dryRun) fail("--dry-run builds a new run; it cannot be combined with --resume");
    checkpoint = await loadResumable(flags.resume, "fit", (p) => loadTaskCheckpoint(p));
    owned.model = checkpoint.model;
    settings = storedSettings(checkpoint.settings, flags.resume);
    own = ownFiles(settings);
    refuseChangedFlags(RUN_FLAGS, given, (key) => flags[key], (key) => storedFlagValue(settings, key), flags.resume);
    if (settings.stoppedEarly !== null && !given("epochs")) {
      fail(`the run of the checkpoint ${flags.resume} is complete: early stopping ended it after epoch ${settings.stoppedEarly}, with the best weights restored; pass --epochs N to train on from them anyway`);
    }
    settings.stoppedEarly = null;
    if (dataArg !== undefined && resolve(dataArg) !== settings.data) fail(`the checkpoint ${flags.resume} was trained on ${settings.data}, not ${dataArg}; give no data file to --resume (it uses the stored one)`);
    if (given("epochs")) settings.epochs = flags.epochs;
    if (given("out")) settings.out = flags.out!;
    settings.checkpoint = resumedCheckpoint(settings, flags.checkpoint, given);
    refuseFinishedRun(flags.resume, checkpoint.trainer.epoch, settings.epochs);
  } else {
    settings = newSettings(dataArg, flags);
  }

  // -------------------------------------------------------------------------------- outputs ----
  const dryRun = flags.dryRun ?? false;
  if (!dryRun) await prepareRunOutputs(settings, flags.force ?? false, own);

  // ----------------------------------------------------------------------------------- data ----
  const table = await readTable(checkpoint ? settings.data : dataArg!, flags.maxBytes);
  if (checkpoint && table.checksum !== settings.dataChecksum) {
    fail(`${table.path} has changed since the checkpoint ${flags.resume} was saved (checksum ${table.checksum}, was ${settings.dataChecksum}); resuming needs the same data`);
  }
  settings.dataChecksum = table.checksum;
  const data = fitData(table, settings);

  // ---------------------------------------------------------------------- model and trainer ----
  let model: TaskModel;
  if (checkpoint) model = checkpoint.model;
  else {
    const network = Sequential.fromConfig(moduleConfigs(settings, data.shape), { seed: settings.seed });
    try {
      model = new TaskModel(network, { task: settings.task, ...data.info, settings: modelSettings(settings) });
    } catch (e) {
      network.dispose();
      throw e;
    }
    owned.model = model;
  }
  const perEpoch = Math.ceil(data.train.examples.length / settings.batchSize);
  const trainer = owned.trainer = new TaskTrainer(model.model, data.train, trainerOptions(settings, data.validation, perEpoch));
  if (checkpoint) trainer.restoreState(checkpoint.trainer);

  const firstEpoch = trainer.epoch + 1;
  log(`${checkpoint ? `resuming ${flags.resume} at epoch ${firstEpoch}` : `fit ${settings.task}`}: ${table.path} (${table.format.toUpperCase()}, ${table.rows.length.toLocaleString("en-US")} rows): ${data.summary}`);
  log(`model: ${describeModules(model.model.modules)}; ${model.model.parameterCount.toLocaleString("en-US")} parameters`);
  const extras = [
    settings.earlyStopping !== null ? `early stopping after ${settings.earlyStopping} epoch${settings.earlyStopping > 1 ? "s" : ""} without a better validation ${settings.monitor}` : "",
    settings.classWeights ? "balanced class weights" : "",
  ].filter((x) => x !== "");
  log(`${settings.optimizer} lr ${settings.lr}${settings.schedule !== "constant" ? ` (${settings.schedule})` : ""}, clip ${settings.clip || "off"}, batch ${settings.batchSize} (${perEpoch} batch${perEpoch === 1 ? "" : "es"} per epoch), ${settings.epochs} epochs, seed ${settings.seed}${extras.length > 0 ? `; ${extras.join(", ")}` : ""}`);
  if (dryRun) {
    say("dry run: the data and the model are ready; nothing was trained or saved");
    return;
  }

  // ------------------------------------------------------------------------------- training ----
  const bar = stderrBar("epoch {epoch}/{epochs} {bar} {value}/{total} batches | {speed} examples/s | loss {loss}", quiet);
  const regression = settings.task === "regress" || settings.task === "forecast";
  const started = performance.now();
  let examples = 0, seconds = 0, epochsRun = 0;
  for (let epoch = firstEpoch; epoch <= settings.epochs; epoch++) {
    const epochStarted = performance.now();
    let epochExamples = 0;
    bar?.start(perEpoch, 0, { epoch, epochs: settings.epochs, speed: "-", loss: "-" });
    const onStep = (info: TaskStepInfo) => {
      epochExamples += info.examples;
      bar?.setTotal(info.batches);
      bar?.update(info.batch, {
        speed: Math.round(epochExamples / ((performance.now() - epochStarted) / 1000)).toLocaleString("en-US"), loss: info.loss.toFixed(3),
      });
    };
    const result = trainer.trainEpoch(onStep);
    bar?.stop();
    examples += result.examples;
    seconds += result.seconds;
    epochsRun++;
    if (result.stopped && !result.stopped.startsWith("early stopping")) {
      await saveTaskModel(settings.out, model);
      say(`saved the last good weights (after step ${trainer.step}) to ${settings.out}`);
      throw new CliError(`training stopped: ${result.stopped}`, 2);
    }
    // the scores on the data's scale are of the weights now: after early stopping, the best epoch's (restored),
    // so the stopping epoch's line shows only its validation loss
    const scores = regression && result.validation && !result.stopped ? originalScores(model, data.validation!, settings.batchSize) : null;
    progress(epochLine(result, settings.epochs, scores));
    if (result.stopped) settings.stoppedEarly = epoch;
    if (settings.checkpoint) await saveTaskCheckpoint(settings.checkpoint, model, trainer, { ...settings } as unknown as Record<string, unknown>);
    if (result.stopped) {
      log(`stopped after epoch ${epoch}: ${result.stopped}`);
      break;
    }
  }

  // ------------------------------------------------------------------------------ summary ----
  const final = data.validation ?? data.train;
  const what = `final, ${data.validation ? "validation" : "training data (no validation)"}`;
  const evaluation = trainer.evaluate(final);
  const report = regression
    ? regressionReport(what, originalScores(model, final, settings.batchSize), evaluation.loss, `${final.examples.length.toLocaleString("en-US")} ${settings.task === "forecast" ? "windows" : "examples"}`)
    : classificationReport(evaluation, model.labels!, what, settings.task === "tag" ? "tokens" : "examples");
  await saveTaskModel(settings.out, model);
  for (const line of report) say(line);
  const speed = seconds > 0 ? `, ${Math.round(examples / seconds).toLocaleString("en-US")} examples/s` : "";
  say(`saved ${settings.out}${settings.checkpoint ? ` (checkpoint: ${settings.checkpoint})` : ""}: ${trainer.epoch} epoch${trainer.epoch === 1 ? "" : "s"} trained, ${epochsRun} in this run (${((performance.now() - started) / 1000).toFixed(1)} s${speed})`);
  log(`next: npx wasm-rnn predict ${settings.out} <data>  |  npx wasm-rnn eval ${settings.out} <labelled data>`);
}
