// Training any Sequential model on a sequence dataset (classify, tag, regress): seeded shuffling, padded
// batches with length bucketing (the padding waste is reported), a validation split, metrics per epoch,
// early stopping that restores the best weights, class weights for unbalanced labels, and the update of
// every trainer (clipping, schedule, optimizer, and a stop that keeps the weights from before a divergence).

import { runtime } from "../init.js";
import { Random } from "../random.js";
import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import { Sequential } from "../nn/sequential.js";
import { lossConfigOf, resolveLoss, type LossConfig, type ResolvedLoss } from "../nn/loss.js";
import { checkDataset, splitDataset, type SequenceDataset } from "../data/dataset.js";
import { makeTaskBatches, type PaddingReport } from "../data/batching.js";
import { evaluateModel, type Evaluation, type MetricName } from "./evaluate.js";
import type { Optimizer, OptimizerOptions, ResolvedOptimizerOptions } from "./optimizers.js";
import { checkSchedule, type Schedule } from "./schedule.js";
import { Snapshot } from "./snapshot.js";
import { Updater, checkClip, type TrainerChanges, drainSteps } from "./updater.js";

export interface EarlyStopping {
  /** The validation metric to watch (default "loss"); loss, mae, rmse, smape go down, accuracy, macroF1 up. */
  metric?: MetricName;
  /** Epochs without improvement before training stops and the best weights come back. */
  patience: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
}

export interface TaskTrainerOptions {
  batchSize: number;
  optimizer: OptimizerOptions;
  /** Default: crossEntropy for classify and tag, mse for regress. */
  loss?: LossConfig;
  /** Clip the gradient to this global norm (none when absent). */
  clip?: number;
  schedule?: Schedule;
  /** Seed of the shuffling and of the validation split. Default 0. */
  seed?: number;
  /** Examples are sorted by length inside shuffled chunks of this many batches (default 8; 0 / false: off). */
  bucket?: number | false;
  /** A validation dataset, or the fraction of `data` to hold out for it (a seeded split). */
  validation?: SequenceDataset | number;
  earlyStopping?: EarlyStopping;
  /** Class weights of the cross-entropy, or "balanced": n / (classes · count of the class), as scikit-learn. */
  classWeights?: readonly number[] | "balanced";
}

export interface TaskStepInfo {
  epoch: number;
  step: number;
  batch: number;
  batches: number;
  loss: number;
  gradNorm: number;
  lr: number;
  examples: number;
}

export interface TaskEpochResult {
  epoch: number;
  /** The mean training loss over the epoch's batches. */
  loss: number;
  examples: number;
  seconds: number;
  examplesPerSecond: number;
  /** How much of the computed steps was padding. */
  padding: PaddingReport;
  /** Loss and metrics on the validation data, when there is some. */
  validation?: Evaluation;
  /** Whether the watched metric improved (early stopping). */
  improved?: boolean;
  /** Set when training stopped: a divergence (the weights are the last good ones) or early stopping. */
  stopped?: string;
}

/** What a checkpoint needs to continue a run exactly. */
export interface TaskTrainerState {
  epoch: number;
  step: number;
  lr: number;
  batchRandom: number[];
  /** The model's generators (dropout), in the model's order. */
  randoms: number[][];
  optimizer: Record<string, Float32Array>;
  optimizerOptions?: ResolvedOptimizerOptions;
  /** Early stopping: the best value so far, its epoch, the patience left, and the best weights. */
  early: { best: number; bestEpoch: number; patienceLeft: number; weights: Float32Array[] } | null;
}

type Resolved = {
  batchSize: number; loss: ResolvedLoss; bucket: number | false; seed: number;
  early: { metric: MetricName; patience: number; minDelta: number; higherIsBetter: boolean } | null;
};

const KEYS = ["batchSize", "optimizer", "loss", "clip", "schedule", "seed", "bucket", "validation", "earlyStopping", "classWeights"];

export class TaskTrainer {
  /** Epochs completed. */
  epoch = 0;
  stopped: string | null = null;
  readonly train: SequenceDataset;
  readonly validation: SequenceDataset | null;
  private readonly opts: Resolved;
  /** The loss as forward() takes it. */
  private readonly lossConfig: LossConfig;
  private readonly updater: Updater;
  private readonly random: Random;
  /** The best weights so far (early stopping). */
  private readonly best: Snapshot | null;
  private bestValue = NaN;
  private bestEpoch = 0;
  private patienceLeft = 0;
  private epochRun = 0;
  private disposed = false;

  constructor(readonly model: Sequential, data: SequenceDataset, options: TaskTrainerOptions) {
    if (!(model instanceof Sequential)) throw new TypeError(`TaskTrainer: expected a Sequential model, got ${describe(model)}`);
    if (model.isDisposed) throw new Error("TaskTrainer: the model was disposed; create a new one");
    const o = checkObject("TaskTrainer options", options);
    checkKnownKeys("TaskTrainer", o, KEYS);
    const dataset = checkDataset(data);
    checkFits(model, dataset, "TaskTrainer: the data");
    const seed = o.seed ?? 0;
    if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`TaskTrainer: seed must be a non-negative integer, got ${describe(seed)}`);
    let train = dataset, validation: SequenceDataset | null = null;
    if (typeof o.validation === "number") ({ train, validation } = splitDataset(dataset, { validation: o.validation, seed }));
    else if (o.validation !== undefined) {
      validation = checkDataset(o.validation);
      checkFits(model, validation, "TaskTrainer: the validation data");
    }
    this.train = train;
    this.validation = validation;
    const classWeights = o.classWeights === "balanced" ? balancedWeights(train) : (o.classWeights as number[] | undefined);
    const lossConfig = (o.loss as LossConfig | undefined) ?? (dataset.task === "regress" ? { type: "mse" } : { type: "crossEntropy" });
    if (classWeights && lossConfig.type !== "crossEntropy") throw new TypeError("TaskTrainer: classWeights are for the crossEntropy loss");
    const loss = resolveLoss(classWeights ? { ...lossConfig, classWeights } : lossConfig, model.outFeatures);
    if (dataset.task === "regress" && loss.type === "crossEntropy") throw new TypeError("TaskTrainer: a regression dataset needs the mse or huber loss");
    if (dataset.task !== "regress" && loss.type !== "crossEntropy") throw new TypeError(`TaskTrainer: a ${dataset.task} dataset needs the crossEntropy loss`);
    const bucket = o.bucket === undefined ? 8 : o.bucket as number | false;
    this.opts = { batchSize: checkPositiveInt("TaskTrainer: batchSize", o.batchSize), loss, bucket, seed, early: resolveEarly(o.earlyStopping, dataset.task, validation !== null) };
    this.lossConfig = lossConfigOf(loss);
    const rt = runtime();
    const owned = rt.heap.scope(() => ({
      updater: new Updater(model, { optimizer: options.optimizer, clip: checkClip(o.clip ?? null), schedule: checkSchedule(o.schedule ?? { kind: "constant" }) }),
      random: new Random(rt, seed),
      best: this.opts.early ? new Snapshot(rt, model.parameterGroups().map((g) => g.params)) : null,
    }));
    this.updater = owned.updater;
    this.random = owned.random;
    this.best = owned.best;
    this.patienceLeft = this.opts.early?.patience ?? 0;
  }

  get optimizer(): Optimizer {
    return this.updater.optimizer;
  }

  /** Update steps completed. */
  get step(): number {
    return this.updater.step;
  }

  /** The loss the model trains with (with class weights resolved). */
  get loss(): ResolvedLoss {
    return this.opts.loss;
  }

  /** One pass over the training data, then validation. onStep is called after every update. */
  trainEpoch(onStep?: (info: TaskStepInfo) => void): TaskEpochResult {
    return drainSteps(this.epochSteps(), onStep);
  }

  /** The epoch one update per next() (see Trainer.epochSteps): yields each step, returns the epoch's result. */
  *epochSteps(): Generator<TaskStepInfo, TaskEpochResult, void> {
    this.assertAlive("epochSteps");
    if (this.stopped) throw new Error(`TaskTrainer: training already stopped (${this.stopped})`);
    const run = ++this.epochRun, model = this.model, epoch = this.epoch + 1;
    const { batches, padding } = makeTaskBatches(this.train, { batchSize: this.opts.batchSize, random: this.random, bucket: this.opts.bucket });
    let lossSum = 0, done = 0, examples = 0, busy = 0;
    for (let i = 0; i < batches.length; i++) {
      if (run !== this.epochRun) throw new Error("TaskTrainer: this epoch was abandoned when a newer epochSteps() or trainEpoch() began");
      const b = batches[i], started = performance.now();
      model.train(); // the caller may have switched to eval mode between steps
      const { loss } = model.forward(b.input, { seqLen: b.seqLen, batch: b.batch, lengths: b.lengths, target: b.target, loss: this.lossConfig });
      model.runBackward();
      const u = this.updater.update(loss!, `epoch ${epoch}, batch ${i + 1}`);
      if (!u.ok) {
        this.stopped = u.reason;
        break;
      }
      lossSum += loss!;
      done++;
      examples += b.batch;
      busy += performance.now() - started;
      yield { epoch, step: this.step, batch: i + 1, batches: batches.length, loss: loss!, gradNorm: u.gradNorm, lr: u.lr, examples: b.batch };
    }
    const seconds = busy / 1000;
    const result: TaskEpochResult = { epoch, loss: done > 0 ? lossSum / done : NaN, examples, seconds, examplesPerSecond: examples / seconds, padding };
    if (this.stopped) {
      result.stopped = this.stopped;
      return result;
    }
    this.epoch = epoch;
    if (this.validation) {
      result.validation = this.evaluate(this.validation);
      if (this.opts.early) this.watch(result);
    }
    return result;
  }

  /** Loss and metrics of the model on a dataset (evaluation mode, no update). */
  evaluate(data: SequenceDataset): Evaluation {
    this.assertAlive("evaluate");
    const dataset = checkDataset(data);
    checkFits(this.model, dataset, "TaskTrainer.evaluate: the data");
    return evaluateModel(this.model, dataset, { batchSize: this.opts.batchSize, loss: this.opts.loss });
  }

  /** Changes hyperparameters between steps (see Trainer.configure). */
  configure(changes: TrainerChanges): void {
    this.assertAlive("configure");
    this.updater.configure(changes, "TaskTrainer.configure");
  }

  /** Everything a checkpoint holds besides the model, so a resumed run continues exactly. */
  saveState(): TaskTrainerState {
    this.assertAlive("saveState");
    const u = this.updater.saveState();
    return {
      epoch: this.epoch, step: u.step, lr: u.lr,
      batchRandom: [...this.random.getState()],
      randoms: this.model.randomStates.map((r) => [...r.getState()]),
      optimizer: u.optimizer, optimizerOptions: u.optimizerOptions,
      early: this.best && this.bestEpoch > 0 ? { best: this.bestValue, bestEpoch: this.bestEpoch, patienceLeft: this.patienceLeft, weights: this.best.read() } : null,
    };
  }

  restoreState(s: TaskTrainerState): void {
    this.assertAlive("restoreState");
    const randoms = this.model.randomStates;
    if (s.randoms.length !== randoms.length) throw new TypeError(`TaskTrainer.restoreState: the state has ${s.randoms.length} generator states, the model ${randoms.length}`);
    if (s.early && !this.best) throw new TypeError("TaskTrainer.restoreState: the state has early-stopping records but this trainer does no early stopping");
    if (s.early) {
      const sizes = this.model.parameterGroups().map((g) => g.params.length);
      if (s.early.weights.length !== sizes.length || s.early.weights.some((w, i) => w.length !== sizes[i])) throw new TypeError("TaskTrainer.restoreState: the best weights do not fit the model");
    }
    this.updater.restoreState(s, "TaskTrainer.restoreState");
    this.random.setState(s.batchRandom);
    randoms.forEach((r, i) => r.setState(s.randoms[i]));
    this.epoch = s.epoch;
    if (s.early && this.best) {
      this.best.write(s.early.weights);
      this.bestValue = s.early.best;
      this.bestEpoch = s.early.bestEpoch;
      this.patienceLeft = s.early.patienceLeft;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.updater.dispose();
    this.random.dispose();
    this.best?.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Early stopping after an epoch's validation: keep the best weights, stop when patience runs out. */
  private watch(result: TaskEpochResult): void {
    const e = this.opts.early!, v = result.validation!;
    const value = e.metric === "loss" ? v.loss : (v.metrics as unknown as Record<string, number>)[e.metric];
    const better = this.bestEpoch === 0 || (e.higherIsBetter ? value > this.bestValue + e.minDelta : value < this.bestValue - e.minDelta);
    result.improved = better;
    if (better) {
      this.bestValue = value;
      this.bestEpoch = result.epoch;
      this.patienceLeft = e.patience;
      this.best!.take();
      return;
    }
    if (--this.patienceLeft > 0) return;
    this.best!.restoreTaken();
    this.stopped = `early stopping: validation ${e.metric} did not improve for ${e.patience} epoch${e.patience > 1 ? "s" : ""}; the weights of epoch ${this.bestEpoch} (${e.metric} ${this.bestValue.toPrecision(5)}) are restored`;
    result.stopped = this.stopped;
  }

  private assertAlive(method: string): void {
    if (this.disposed) throw new Error(`TaskTrainer.${method}: the trainer was disposed`);
    if (this.model.isDisposed) throw new Error(`TaskTrainer.${method}: its model was disposed`);
  }
}

/** The data must be what the model takes and gives. */
function checkFits(model: Sequential, d: SequenceDataset, what: string): void {
  if (d.inputKind !== model.inputKind) throw new TypeError(`${what} has ${d.inputKind} inputs, but the model takes ${model.inputKind}`);
  if (d.inputKind === "features" && d.inputSize !== model.inputSize) throw new RangeError(`${what} has ${d.inputSize} features per step, but the model takes ${model.inputSize}`);
  if (d.inputKind === "tokens" && d.inputSize > model.inputSize) throw new RangeError(`${what} has a vocabulary of ${d.inputSize} tokens, more than the model's embedding (${model.inputSize})`);
  if (d.outFeatures !== model.outFeatures) throw new RangeError(`${what} has ${d.outFeatures} ${d.task === "regress" ? "target values" : "classes"}, but the model outputs ${model.outFeatures}`);
  if (d.perStep !== (model.outputKind === "sequence")) {
    throw new TypeError(`${what} has targets ${d.perStep ? "per step" : "per sequence"}, but the model's output is ${model.outputKind === "pooled" ? "pooled (one row per sequence)" : "per step"}`);
  }
}

/** scikit-learn's "balanced" weights: n / (classes · count of each class); classes never seen get 1. */
function balancedWeights(d: SequenceDataset): number[] {
  const counts = new Array(d.outFeatures).fill(0);
  let n = 0;
  for (const e of d.examples) {
    const ids = typeof e.target === "number" ? [e.target] : e.target;
    for (const c of ids) if (c >= 0 && c < d.outFeatures) { counts[c]++; n++; }
  }
  return counts.map((c) => (c > 0 ? n / (d.outFeatures * c) : 1));
}

function resolveEarly(input: unknown, task: SequenceDataset["task"], hasValidation: boolean): Resolved["early"] {
  if (input === undefined) return null;
  const o = checkObject("TaskTrainer earlyStopping", input, "{ metric?, patience, minDelta? }");
  checkKnownKeys("TaskTrainer earlyStopping", o, ["metric", "patience", "minDelta"]);
  if (!hasValidation) throw new TypeError("TaskTrainer: earlyStopping watches a validation metric, so it needs validation data (a dataset or a fraction)");
  const metric = (o.metric ?? "loss") as MetricName;
  const allowed: MetricName[] = task === "regress" ? ["loss", "mae", "rmse", "smape"] : ["loss", "accuracy", "macroF1"];
  if (!allowed.includes(metric)) throw new TypeError(`TaskTrainer earlyStopping: metric must be one of ${allowed.join(", ")} for a ${task} task, got ${describe(o.metric)}`);
  const minDelta = o.minDelta ?? 0;
  if (typeof minDelta !== "number" || !(minDelta >= 0)) throw new RangeError(`TaskTrainer earlyStopping: minDelta must be ≥ 0, got ${describe(minDelta)}`);
  return { metric, patience: checkPositiveInt("TaskTrainer earlyStopping: patience", o.patience, 1e6), minDelta, higherIsBetter: metric === "accuracy" || metric === "macroF1" };
}
