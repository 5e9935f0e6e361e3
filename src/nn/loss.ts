// The losses of sequence models, PyTorch's "mean" reductions, masked by the sequences' lengths:
//   crossEntropy — softmax cross-entropy over rows (one per sequence, or one per step for tagging); rows whose
//                  target is ignoreIndex (default −100) or that lie past a sequence's end do not count; with
//                  class weights, Σ w_y·nll / Σ w_y (torch.nn.CrossEntropyLoss(weight=…));
//   mse, huber   — over every target element of the valid rows (torch.nn.MSELoss, HuberLoss(delta)).
// The gradient of the loss with respect to the output is computed in the same pass. Also the language model's
// fused softmax cross-entropy.

import type { IntVec, Mat, PlanBuilder, Runtime } from "../../bindings/index.js";
import { checkKnownKeys, checkObject, describe } from "../errors.js";

export type LossConfig =
  | { type: "crossEntropy"; ignoreIndex?: number; classWeights?: readonly number[] }
  | { type: "mse" }
  | { type: "huber"; delta?: number };

export type ResolvedLoss =
  | { type: "crossEntropy"; ignoreIndex: number; classWeights: Float32Array | null }
  | { type: "mse" }
  | { type: "huber"; delta: number };

/** Checks a loss configuration against the model's output width (classes for cross-entropy). */
export function resolveLoss(input: unknown, classes: number): ResolvedLoss {
  const o = checkObject("loss", input, `{ type: "crossEntropy" | "mse" | "huber", … }`);
  if (o.type === "crossEntropy") {
    checkKnownKeys("loss", o, ["type", "ignoreIndex", "classWeights"]);
    const ignoreIndex = o.ignoreIndex ?? -100;
    if (!Number.isInteger(ignoreIndex) || ((ignoreIndex as number) >= 0 && (ignoreIndex as number) < classes)) {
      throw new RangeError(`loss ignoreIndex must be an integer outside the classes [0, ${classes}), got ${describe(ignoreIndex)}`);
    }
    let classWeights: Float32Array | null = null;
    if (o.classWeights !== undefined) {
      const w = o.classWeights as unknown;
      if (!Array.isArray(w) && !(w instanceof Float32Array) && !(w instanceof Float64Array)) throw new TypeError(`loss classWeights must be an array of ${classes} numbers, got ${describe(w)}`);
      const list = w as ArrayLike<number>;
      if (list.length !== classes) throw new RangeError(`loss classWeights must have one weight per class (${classes}), got ${list.length}`);
      for (let i = 0; i < list.length; i++) {
        if (typeof list[i] !== "number" || !(list[i] >= 0) || !Number.isFinite(list[i])) throw new RangeError(`loss classWeights[${i}] must be a finite number ≥ 0, got ${describe(list[i])}`);
      }
      classWeights = Float32Array.from(list);
    }
    return { type: "crossEntropy", ignoreIndex: ignoreIndex as number, classWeights };
  }
  if (o.type === "mse") {
    checkKnownKeys("loss", o, ["type"]);
    return { type: "mse" };
  }
  if (o.type === "huber") {
    checkKnownKeys("loss", o, ["type", "delta"]);
    const delta = o.delta ?? 1;
    if (typeof delta !== "number" || !(delta > 0) || !Number.isFinite(delta)) throw new RangeError(`loss delta must be a number > 0, got ${describe(delta)}`);
    return { type: "huber", delta };
  }
  throw new TypeError(`loss type must be "crossEntropy", "mse" or "huber", got ${describe(o.type)}`);
}

/** The configuration that resolves to `loss` (what forward() takes). */
export function lossConfigOf(loss: ResolvedLoss): LossConfig {
  if (loss.type !== "crossEntropy") return { ...loss };
  return loss.classWeights ? { type: "crossEntropy", ignoreIndex: loss.ignoreIndex, classWeights: Array.from(loss.classWeights) } : { type: "crossEntropy", ignoreIndex: loss.ignoreIndex };
}

/** The buffers of a loss over `rows` output rows of `cols` values. */
export interface LossBuffers {
  /** Class ids [rows] (cross-entropy) … */
  classes: IntVec | null;
  /** … or target values [rows, cols] (regression). */
  values: Mat | null;
  /** Rows that count (regression with lengths). */
  mask: IntVec | null;
  weights: Mat | null;
  /** ∂loss/∂output [rows, cols]. */
  dOutput: Mat;
}

export class Loss {
  constructor(private readonly rt: Runtime, readonly config: ResolvedLoss) {}

  declare(plan: PlanBuilder, rows: number, cols: number): LossBuffers {
    const ce = this.config.type === "crossEntropy";
    return {
      classes: ce ? plan.ints(rows) : null,
      values: ce ? null : plan.mat(rows, cols),
      mask: ce ? null : plan.ints(rows),
      weights: this.config.type === "crossEntropy" && this.config.classWeights ? plan.mat(1, cols) : null,
      dOutput: plan.mat(rows, cols),
    };
  }

  /**
   * The mean loss of `output` [rows, cols] against a checked target (class ids, or values row by row), with
   * `valid[r]` false for rows past a sequence's end; fills buffers.dOutput with its gradient.
   */
  compute(output: Mat, target: Int32Array | Float32Array, valid: Uint8Array | null, buffers: LossBuffers): number {
    const ops = this.rt.ops, c = this.config;
    if (c.type === "crossEntropy") {
      const ids = Int32Array.from(target as Int32Array);
      if (valid) for (let r = 0; r < ids.length; r++) if (!valid[r]) ids[r] = c.ignoreIndex;
      let total = 0;
      for (const id of ids) if (id !== c.ignoreIndex) total += c.classWeights ? c.classWeights[id] : 1;
      ops.writeInts(buffers.classes!, ids);
      if (buffers.weights) ops.write(buffers.weights, c.classWeights!);
      // no row counts (everything ignored): loss 0 and no gradient, where PyTorch would give NaN
      const scale = total > 0 ? 1 / total : 0;
      const sum = ops.crossEntropy({ logits: output, targets: buffers.classes!, weights: buffers.weights, ignore: c.ignoreIndex, dlogits: buffers.dOutput, scale });
      return total > 0 ? sum / total : 0;
    }
    const rows = output.rows, cols = output.cols;
    let count = rows;
    if (valid) {
      count = 0;
      for (let r = 0; r < rows; r++) if (valid[r]) count++;
    }
    ops.write(buffers.values!, target);
    ops.writeInts(buffers.mask!, valid ?? new Uint8Array(rows).fill(1));
    const n = count * cols, scale = n > 0 ? 1 / n : 0;
    const sum = c.type === "mse"
      ? ops.squaredError({ pred: output, target: buffers.values!, mask: buffers.mask, dpred: buffers.dOutput, scale })
      : ops.huber({ pred: output, target: buffers.values!, mask: buffers.mask, delta: c.delta, dpred: buffers.dOutput, scale });
    return n > 0 ? sum / n : 0;
  }
}

/** The language model's loss: Σ over rows of −log softmax(logits)[target] (one kernel, fused with its gradient
 * (that sum · scale) in dlogits when given). */
export function softmaxCrossEntropy(rt: Runtime, logits: Mat, targets: IntVec, dlogits: Mat | null, scale: number): number {
  return rt.ops.softmaxCrossEntropy({ logits, targets, dlogits, scale });
}
