// The training loop of the textbook (d2l §8.5): minibatches by sequential or random partitioning,
// backpropagation through time (truncated at each batch, the state carried and detached between sequential
// batches), gradient clipping, an optimizer step in wasm, and a learning-rate schedule.

import { checkPositiveInt, describe } from "../errors.js";
import type { LanguageModel } from "../lm/model.js";
import { CarriedState } from "../lm/state.js";
import { Random } from "../random.js";
import { runtime } from "../init.js";
import { makeBatches, type Partition } from "../text/batches.js";
import { Optimizer, type OptimizerOptions } from "./optimizers.js";
import { clipGradientNorm, gradientNorm } from "./clip.js";
import { checkSchedule, learningRate, type Schedule } from "./schedule.js";

export interface TrainerOptions {
  batchSize: number;
  seqLen: number;
  /** "sequential" (default, state carried) or "random" (state reset every batch). */
  partition?: Partition;
  optimizer: OptimizerOptions;
  /** Clip the gradient to this global norm (none when absent). */
  clip?: number;
  schedule?: Schedule;
  /** Seed of the batching generator. Default 0. */
  seed?: number;
}

export interface StepInfo {
  epoch: number;
  step: number;
  batch: number;
  batches: number;
  loss: number;
  gradNorm: number;
  lr: number;
  tokens: number;
}

export interface EpochResult {
  epoch: number;
  /** Mean cross-entropy over the epoch's batches, and its exp. */
  loss: number;
  perplexity: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  /** Set when training stopped early (a NaN / Infinity loss or gradient); the weights are the last good ones. */
  stopped?: string;
}

/** What a checkpoint needs to continue a run exactly. */
export interface TrainerState {
  epoch: number;
  step: number;
  lr: number;
  batchRandom: number[];
  dropoutRandom: number[];
  optimizer: Record<string, Float32Array>;
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly options: Readonly<Required<Omit<TrainerOptions, "clip" | "schedule">> & { clip: number | null; schedule: Schedule }>;
  /** Epochs and update steps completed. */
  epoch = 0;
  step = 0;
  stopped: string | null = null;
  private readonly random: Random;
  private readonly state: CarriedState;

  constructor(readonly lm: LanguageModel, readonly ids: Int32Array, options: TrainerOptions) {
    if (!(ids instanceof Int32Array)) throw new TypeError(`Trainer: token ids must be an Int32Array, got ${describe(ids)}`);
    const partition = options.partition ?? "sequential";
    if (partition !== "sequential" && partition !== "random") throw new TypeError(`Trainer: partition must be "sequential" or "random", got ${describe(partition)}`);
    const clip = options.clip ?? null;
    if (clip !== null && !(typeof clip === "number" && clip > 0)) throw new RangeError(`Trainer: clip must be a norm > 0, got ${describe(clip)}`);
    this.options = {
      batchSize: checkPositiveInt("Trainer: batchSize", options.batchSize),
      seqLen: checkPositiveInt("Trainer: seqLen", options.seqLen),
      partition,
      optimizer: options.optimizer,
      clip,
      schedule: checkSchedule(options.schedule ?? { kind: "constant" }),
      seed: options.seed ?? 0,
    };
    // a batch takes B·T tokens plus the targets' one more, after a random offset of up to T − 1
    const need = (this.options.batchSize + 1) * this.options.seqLen;
    if (ids.length < need) throw new RangeError(`Trainer: the text has ${ids.length} tokens; batches of ${this.options.batchSize} × ${this.options.seqLen} need at least ${need}`);
    this.optimizer = new Optimizer(lm.parameterGroups(), options.optimizer);
    this.random = new Random(runtime(), this.options.seed);
    this.state = new CarriedState(lm, this.options.batchSize);
  }

  /** One pass over the text. onStep is called after every update (for progress bars). */
  trainEpoch(onStep?: (info: StepInfo) => void): EpochResult {
    if (this.stopped) throw new Error(`Trainer: training already stopped (${this.stopped})`);
    const { batchSize: B, seqLen: T, partition, clip, schedule } = this.options;
    const lm = this.lm.train();
    const batches = makeBatches(this.ids, B, T, partition, this.random);
    const started = performance.now();
    const epoch = this.epoch + 1;
    let lossSum = 0, done = 0;
    this.state.reset();
    for (const [i, batch] of batches.entries()) {
      if (!batch.continues) this.state.reset();
      const loss = lm.run(batch.tokens, batch.targets, T, B, this.state.h0, this.state.c0, true)!;
      this.state.capture();
      lm.runBackward();
      const groups = lm.parameterGroups();
      const norm = gradientNorm(groups);
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
        this.stopped = `the ${Number.isFinite(loss) ? "gradient norm" : "loss"} became ${Number.isFinite(loss) ? norm : loss} at epoch ${epoch}, batch ${i + 1}; the weights are those after step ${this.step}`;
        break;
      }
      if (clip !== null) clipGradientNorm(groups, clip, norm);
      this.optimizer.lr = learningRate(schedule, this.options.optimizer.lr, this.step);
      this.optimizer.step();
      lm.paramsChanged();
      this.step++;
      lossSum += loss;
      done++;
      onStep?.({ epoch, step: this.step, batch: i + 1, batches: batches.length, loss, gradNorm: norm, lr: this.optimizer.lr, tokens: T * B });
    }
    const seconds = (performance.now() - started) / 1000;
    const loss = done > 0 ? lossSum / done : NaN;
    if (!this.stopped) this.epoch = epoch;
    const result: EpochResult = { epoch, loss, perplexity: Math.exp(loss), tokens: done * T * B, seconds, tokensPerSecond: (done * T * B) / seconds };
    if (this.stopped) result.stopped = this.stopped;
    return result;
  }

  /** Everything a checkpoint holds besides the model, so a resumed run continues exactly. */
  saveState(): TrainerState {
    return {
      epoch: this.epoch,
      step: this.step,
      lr: this.optimizer.lr,
      batchRandom: [...this.random.getState()],
      dropoutRandom: [...this.lm.rnn.dropoutRandom.getState()],
      optimizer: this.optimizer.stateTensors(),
    };
  }

  restoreState(s: TrainerState): void {
    this.optimizer.loadState(s.optimizer, s.step, s.lr);
    this.random.setState(s.batchRandom);
    this.lm.rnn.dropoutRandom.setState(s.dropoutRandom);
    this.epoch = s.epoch;
    this.step = s.step;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.random.dispose();
    this.state.dispose();
  }
}
