// One training update, shared by the trainers: after backward has filled the gradients, check that the loss
// and the gradient are finite, clip by global norm, set the scheduled learning rate, step the optimizer, and
// check the new weights. A copy of the weights and optimizer state from before each update lets a run that
// diverges stop with the last good ones.

import { matOf } from "../../bindings/index.js";
import { checkKnownKeys, checkObject, describe } from "../errors.js";
import { runtime } from "../init.js";
import type { HasParameters } from "../nn/module.js";
import { clipGradientNorm, gradientNorm } from "./clip.js";
import { Optimizer, resolveOptimizerOptions, type OptimizerOptions, type ResolvedOptimizerOptions } from "./optimizers.js";
import { checkSchedule, learningRate, type Schedule } from "./schedule.js";
import { Snapshot } from "./snapshot.js";

export interface UpdateOptions {
  optimizer: OptimizerOptions;
  /** Clip the gradient to this global norm (none when null). */
  clip: number | null;
  schedule: Schedule;
}

/** What configure() may change on a live trainer. */
export interface TrainerChanges {
  /** Same name and settings but lr: the optimizer keeps its state. Anything else: a new optimizer, fresh state. */
  optimizer?: OptimizerOptions;
  /** A new clipping norm, or null for none. */
  clip?: number | null;
  schedule?: Schedule;
}

export type UpdateResult = { ok: true; gradNorm: number; lr: number } | { ok: false; reason: string };

export class Updater {
  /** Updates applied so far. */
  step = 0;
  private opts: UpdateOptions;
  private optimizerInstance: Optimizer;
  /** Weights and optimizer state from before the last update, to undo one that diverged. */
  private lastGood: Snapshot;
  private disposed = false;

  /** Allocates (inside a heap scope of the caller's). */
  constructor(private readonly model: HasParameters, options: UpdateOptions) {
    this.opts = { ...options, clip: checkClip(options.clip), schedule: checkSchedule(options.schedule) };
    this.optimizerInstance = new Optimizer(model, options.optimizer);
    this.lastGood = this.snapshotFor(this.optimizerInstance);
  }

  get options(): Readonly<UpdateOptions> {
    return this.opts;
  }

  get optimizer(): Optimizer {
    return this.optimizerInstance;
  }

  /**
   * One update from the gradients backward left in the model's buffers, for a batch whose loss is `loss`.
   * Returns the gradient norm and learning rate, or why training must stop (weights and optimizer state are
   * then put back to before the update that diverged; see stop()). `where` ("epoch 3, batch 7") goes into
   * the reason.
   */
  update(loss: number, where: string): UpdateResult {
    const groups = this.model.parameterGroups();
    const norm = gradientNorm(groups);
    // a perplexity exp(loss) that overflows is as diverged as a non-finite loss
    const bad = !Number.isFinite(loss) ? `the loss became ${loss}` : !Number.isFinite(Math.exp(loss)) ? `the perplexity overflowed (loss ${loss.toPrecision(4)})`
      : !Number.isFinite(norm) ? `the gradient norm became ${norm}` : null;
    if (bad) return { ok: false, reason: this.stop(`${bad} at ${where}`) }; // these weights came out of the last update: undo it
    const { clip, schedule, optimizer } = this.opts;
    if (clip !== null) clipGradientNorm(groups, clip, norm);
    this.optimizerInstance.lr = learningRate(schedule, optimizer.lr, this.step);
    this.lastGood.take();
    this.optimizerInstance.step();
    this.lastGood.commit();
    this.step++;
    const ops = runtime().ops;
    if (!groups.every((g) => ops.allFinite(matOf(g.params, 1, g.params.length)))) {
      return { ok: false, reason: this.stop(`the update of step ${this.step} made weights non-finite at ${where}`) };
    }
    return { ok: true, gradNorm: norm, lr: this.optimizerInstance.lr };
  }

  /**
   * Changes hyperparameters between steps. Everything is checked before anything changes. Returns the new
   * options' optimizer field (the caller keeps what it was given).
   */
  configure(changes: TrainerChanges, what = "Trainer.configure"): void {
    checkKnownKeys(what, checkObject(what, changes), ["optimizer", "clip", "schedule"]);
    const clip = changes.clip === undefined ? this.opts.clip : checkClip(changes.clip);
    const schedule = changes.schedule === undefined ? this.opts.schedule : checkSchedule(changes.schedule);
    let optimizer = this.optimizerInstance;
    if (changes.optimizer !== undefined) {
      const next = resolveOptimizerOptions(changes.optimizer);
      const { lr: _nextLr, ...nextRest } = next;
      const { lr: _lr, ...rest } = this.optimizerInstance.options;
      if (JSON.stringify(nextRest) !== JSON.stringify(rest)) optimizer = new Optimizer(this.model, next);
    }
    if (optimizer !== this.optimizerInstance) {
      // the snapshot covers the optimizer's state: a new optimizer needs a new one (made before the swap)
      let lastGood: Snapshot;
      try {
        lastGood = this.snapshotFor(optimizer);
      } catch (e) {
        optimizer.dispose();
        throw e;
      }
      this.lastGood.dispose();
      this.lastGood = lastGood;
      this.optimizerInstance.dispose();
      this.optimizerInstance = optimizer;
    }
    this.opts = { ...this.opts, clip, schedule, optimizer: changes.optimizer ?? this.opts.optimizer };
  }

  /** The optimizer's state for a checkpoint, and the settings it belongs to. */
  saveState(): { step: number; lr: number; optimizer: Record<string, Float32Array>; optimizerOptions: ResolvedOptimizerOptions } {
    return { step: this.step, lr: this.optimizerInstance.lr, optimizer: this.optimizerInstance.stateTensors(), optimizerOptions: { ...this.optimizerInstance.options } };
  }

  /** Restores saveState()'s values; the optimizer must be the same kind (what = the message's subject). */
  restoreState(s: { step: number; lr: number; optimizer: Record<string, Float32Array>; optimizerOptions?: ResolvedOptimizerOptions }, what: string): void {
    if (s.optimizerOptions) {
      const { lr: _a, ...saved } = s.optimizerOptions;
      const { lr: _b, ...mine } = this.optimizerInstance.options;
      if (JSON.stringify(saved) !== JSON.stringify(mine)) {
        throw new TypeError(`${what}: the state is of optimizer ${JSON.stringify(saved)}, but this Trainer's is ${JSON.stringify(mine)}`);
      }
    }
    this.optimizerInstance.loadState(s.optimizer, s.step, s.lr);
    this.lastGood.drop(); // a copy from before the restore must never come back
    this.step = s.step;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizerInstance.dispose();
    this.lastGood.dispose();
  }

  /** Undoes the last update (weights and optimizer state) when there is one to undo; returns the full reason. */
  private stop(why: string): string {
    if (this.lastGood.canRestore) {
      this.lastGood.restore();
      this.lastGood.drop();
      this.step--;
      this.optimizerInstance.stepCount--;
      return `${why}; the weights are restored to those after step ${this.step}, before the update that diverged`;
    }
    return `${why}; the weights are those after step ${this.step}`;
  }

  private snapshotFor(optimizer: Optimizer): Snapshot {
    return new Snapshot(runtime(), [...this.model.parameterGroups().map((g) => g.params), ...optimizer.stateBuffers()]);
  }
}

export function checkClip(clip: unknown): number | null {
  if (clip !== null && !(typeof clip === "number" && clip > 0 && Number.isFinite(clip))) throw new RangeError(`Trainer: clip must be a norm > 0 (or null for none), got ${describe(clip)}`);
  return clip as number | null;
}

/** Runs an epoch's step generator to its end, calling onStep for each step: trainEpoch of both trainers. */
export function drainSteps<S, R>(steps: Generator<S, R, void>, onStep?: (step: S) => void): R {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    onStep?.(r.value);
  }
}
