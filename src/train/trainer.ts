// The training loop of the textbook (d2l §8.5): minibatches by sequential or random partitioning,
// backpropagation through time (truncated at each batch, the state carried and detached between sequential
// batches), gradient clipping, an optimizer step in wasm, and a learning-rate schedule.

import { checkPositiveInt, describe } from "../errors.js";
import { LanguageModel } from "../lm/model.js";
import { CarriedState } from "../lm/state.js";
import { Random } from "../random.js";
import { runtime } from "../init.js";
import { planBatches, type Partition } from "../text/batches.js";
import type { Optimizer, OptimizerOptions, ResolvedOptimizerOptions } from "./optimizers.js";
import { checkSchedule, type Schedule } from "./schedule.js";
import { Updater, checkClip, type TrainerChanges, drainSteps } from "./updater.js";

export type { TrainerChanges } from "./updater.js";

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
  /** The optimizer the state belongs to (recorded since checkpoints check it; older ones lack it). */
  optimizerOptions?: ResolvedOptimizerOptions;
}

type ResolvedTrainerOptions = Required<Omit<TrainerOptions, "clip" | "schedule">> & { clip: number | null; schedule: Schedule };

export class Trainer {
  /** Epochs completed. */
  epoch = 0;
  stopped: string | null = null;
  private opts: ResolvedTrainerOptions;
  private readonly updater: Updater;
  private readonly random: Random;
  private readonly state: CarriedState;
  private disposed = false;
  /** Bumped by every epochSteps(): an older, unfinished epoch cannot be resumed after a newer one began. */
  private epochRun = 0;

  constructor(readonly lm: LanguageModel, readonly ids: Int32Array, options: TrainerOptions) {
    if (!(lm instanceof LanguageModel)) throw new TypeError(`Trainer: expected a LanguageModel, got ${describe(lm)}`);
    if (lm.isDisposed) throw new Error("Trainer: the model was disposed; create a new one");
    if (!(ids instanceof Int32Array)) throw new TypeError(`Trainer: token ids must be an Int32Array, got ${describe(ids)}`);
    checkTokenIds("Trainer", ids, lm.config.vocabSize);
    const partition = options.partition ?? "sequential";
    if (partition !== "sequential" && partition !== "random") throw new TypeError(`Trainer: partition must be "sequential" or "random", got ${describe(partition)}`);
    const clip = checkClip(options.clip ?? null);
    this.opts = {
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
    const rt = runtime();
    const owned = rt.heap.scope(() => ({
      updater: new Updater(lm, { optimizer: options.optimizer, clip, schedule: this.opts.schedule }),
      random: new Random(rt, this.options.seed),
      state: new CarriedState(lm, this.options.batchSize),
    }));
    this.updater = owned.updater;
    this.random = owned.random;
    this.state = owned.state;
  }

  get options(): Readonly<ResolvedTrainerOptions> {
    return this.opts;
  }

  get optimizer(): Optimizer {
    return this.updater.optimizer;
  }

  /** Update steps completed. */
  get step(): number {
    return this.updater.step;
  }

  /** One pass over the text. onStep is called after every update (for progress bars). */
  trainEpoch(onStep?: (info: StepInfo) => void): EpochResult {
    return drainSteps(this.epochSteps(), onStep);
  }

  /**
   * One pass over the text, one update per `next()`: yields each step's info and returns the epoch's result.
   * Between steps the caller may do anything else (a browser worker answers its messages, a UI stops
   * training mid-epoch). The steps taken stay applied; an unfinished epoch is not counted in `epoch`, and a
   * new epochSteps() or trainEpoch() abandons it.
   */
  *epochSteps(): Generator<StepInfo, EpochResult, void> {
    this.assertAlive("epochSteps");
    if (this.stopped) throw new Error(`Trainer: training already stopped (${this.stopped})`);
    const run = ++this.epochRun;
    const { batchSize: B, seqLen: T, partition } = this.opts;
    const lm = this.lm;
    const batches = planBatches(this.ids, B, T, partition, this.random);
    const epoch = this.epoch + 1;
    let lossSum = 0, done = 0, busy = 0;
    this.state.reset();
    for (let i = 0; i < batches.count; i++) {
      const batch = batches.batch(i);
      if (run !== this.epochRun) throw new Error("Trainer: this epoch was abandoned when a newer epochSteps() or trainEpoch() began");
      const started = performance.now();
      lm.train(); // the caller may have switched to eval mode between steps
      if (!batch.continues) this.state.reset();
      const loss = lm.run(batch.tokens, batch.targets, T, B, this.state.h0, this.state.c0, true)!;
      this.state.capture();
      lm.runBackward();
      const u = this.updater.update(loss, `epoch ${epoch}, batch ${i + 1}`);
      if (!u.ok) {
        this.stopped = u.reason;
        break;
      }
      lossSum += loss;
      done++;
      busy += performance.now() - started; // time spent between yields is the caller's, not training's
      yield { epoch, step: this.step, batch: i + 1, batches: batches.count, loss, gradNorm: u.gradNorm, lr: u.lr, tokens: T * B };
    }
    const seconds = busy / 1000;
    const loss = done > 0 ? lossSum / done : NaN;
    if (!this.stopped) this.epoch = epoch;
    const result: EpochResult = { epoch, loss, perplexity: Math.exp(loss), tokens: done * T * B, seconds, tokensPerSecond: (done * T * B) / seconds };
    if (this.stopped) result.stopped = this.stopped;
    return result;
  }

  /**
   * Changes hyperparameters between steps (an interactive run). Everything is checked before anything
   * changes. The carried state, the step count and the batching generator go on; batch size and sequence
   * length are fixed for a Trainer (make a new one and restoreState() into it).
   */
  configure(changes: TrainerChanges): void {
    this.assertAlive("configure");
    this.updater.configure(changes);
    this.opts = { ...this.opts, ...this.updater.options };
  }

  /** Everything a checkpoint holds besides the model, so a resumed run continues exactly. */
  saveState(): TrainerState {
    this.assertAlive("saveState");
    const u = this.updater.saveState();
    return {
      epoch: this.epoch,
      step: u.step,
      lr: u.lr,
      batchRandom: [...this.random.getState()],
      dropoutRandom: [...this.lm.dropoutRandom.getState()],
      optimizer: u.optimizer,
      optimizerOptions: u.optimizerOptions,
    };
  }

  restoreState(s: TrainerState): void {
    this.assertAlive("restoreState");
    this.updater.restoreState(s, "Trainer.restoreState");
    this.random.setState(s.batchRandom);
    this.lm.dropoutRandom.setState(s.dropoutRandom);
    this.epoch = s.epoch;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.updater.dispose();
    this.random.dispose();
    this.state.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertAlive(method: string): void {
    if (this.disposed) throw new Error(`Trainer.${method}: the trainer was disposed`);
    if (this.lm.isDisposed) throw new Error(`Trainer.${method}: its model was disposed`);
  }
}

/** Throws a RangeError naming the first id outside [0, vocabSize) (an id there would index past the embedding). */
export function checkTokenIds(what: string, ids: Int32Array, vocabSize: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= vocabSize) throw new RangeError(`${what}: token id ${id} at position ${i} is outside the model's vocabulary [0, ${vocabSize})`);
  }
}
