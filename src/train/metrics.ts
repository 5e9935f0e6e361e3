// Metrics of predictions against targets, in float64, with scikit-learn's definitions, plus the two row
// operations that turn a model's logits into predictions (argmaxRows) and probabilities (softmaxRows).

import { checkPositiveInt, describe } from "../errors.js";

export interface ClassScores {
  /** tp / (tp + fp); 0 when the class is never predicted (sklearn's zero_division default). */
  precision: number;
  /** tp / (tp + fn); 0 when the class never occurs. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn), the harmonic mean of the two; 0 when tp + fp + fn = 0. */
  f1: number;
  /** Rows whose target is this class. */
  support: number;
}

export interface ClassificationMetrics {
  /** Correct rows / scored rows. */
  accuracy: number;
  /**
   * The unweighted mean of the F1 of all `classes` classes: sklearn's f1_score(y_true, y_pred,
   * labels=range(classes), average="macro"). A class that neither occurs nor is predicted has F1 0 (sklearn's
   * zero_division default, which it warns about), so a validation set without some class caps this below 1.
   * sklearn's call without labels averages over the classes present in either array only; the two agree
   * whenever every class occurs in the targets or the predictions.
   */
  macroF1: number;
  /** confusion[true][predicted]: counts of scored rows. */
  confusion: number[][];
  perClass: ClassScores[];
  /** Rows scored (those whose target is not ignoreIndex). */
  count: number;
}

/** Scores class predictions; rows whose target is ignoreIndex (padding, unlabelled steps) are skipped. */
export function classificationMetrics(predicted: Int32Array, target: Int32Array, classes: number, ignoreIndex = -100): ClassificationMetrics {
  if (!(predicted instanceof Int32Array)) throw new TypeError(`classificationMetrics: predicted must be an Int32Array of class ids, got ${describe(predicted)}`);
  if (!(target instanceof Int32Array)) throw new TypeError(`classificationMetrics: target must be an Int32Array of class ids, got ${describe(target)}`);
  if (predicted.length !== target.length) throw new RangeError(`classificationMetrics: predicted has ${predicted.length} rows, target ${target.length}; they must match`);
  checkPositiveInt("classes", classes);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let count = 0, correct = 0;
  for (let i = 0; i < target.length; i++) {
    const y = target[i], p = predicted[i];
    if (y === ignoreIndex) continue;
    if (y < 0 || y >= classes) throw new RangeError(`classificationMetrics: target[${i}] must be a class id in [0, ${classes}) or ignoreIndex ${ignoreIndex}, got ${y}`);
    if (p < 0 || p >= classes) throw new RangeError(`classificationMetrics: predicted[${i}] must be a class id in [0, ${classes}), got ${p}`);
    confusion[y][p]++;
    count++;
    if (y === p) correct++;
  }
  if (count === 0) throw new RangeError(`classificationMetrics: no rows to score (${target.length} rows, every target is ignoreIndex ${ignoreIndex})`);
  const perClass = confusion.map((row, c) => {
    const tp = row[c], support = row.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, r) => a + r[c], 0);
    const fp = predictedAs - tp, fn = support - tp;
    return {
      precision: predictedAs === 0 ? 0 : tp / predictedAs,
      recall: support === 0 ? 0 : tp / support,
      f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
      support,
    };
  });
  const macroF1 = perClass.reduce((a, c) => a + c.f1, 0) / classes;
  return { accuracy: correct / count, macroF1, confusion, perClass, count };
}

export interface RegressionMetrics {
  /** Mean absolute error: 1/n Σ |y − ŷ|. */
  mae: number;
  /** Root mean squared error: √(1/n Σ (y − ŷ)²). */
  rmse: number;
  /** Symmetric mean absolute percentage error, in percent: 100/n Σ 2|y − ŷ| / (|y| + |ŷ|), a term with y = ŷ = 0 counting 0. */
  smape: number;
  /** Values scored (n). */
  count: number;
}

/** Scores predicted values; with a mask (e.g. paddingMask of a batch), only where it is non-zero. NaN in gives NaN out. */
export function regressionMetrics(predicted: Float32Array, target: Float32Array, mask?: Uint8Array): RegressionMetrics {
  if (!(predicted instanceof Float32Array)) throw new TypeError(`regressionMetrics: predicted must be a Float32Array, got ${describe(predicted)}`);
  if (!(target instanceof Float32Array)) throw new TypeError(`regressionMetrics: target must be a Float32Array, got ${describe(target)}`);
  if (predicted.length !== target.length) throw new RangeError(`regressionMetrics: predicted has ${predicted.length} values, target ${target.length}; they must match`);
  if (mask !== undefined && !(mask instanceof Uint8Array && mask.length === target.length)) {
    throw new TypeError(`regressionMetrics: mask must be a Uint8Array of ${target.length} values (1 = scored), got ${describe(mask)}`);
  }
  let n = 0, abs = 0, sq = 0, sym = 0;
  for (let i = 0; i < target.length; i++) {
    if (mask && mask[i] === 0) continue;
    const y = target[i], p = predicted[i], e = Math.abs(y - p);
    n++;
    abs += e;
    sq += e * e;
    const scale = Math.abs(y) + Math.abs(p);
    sym += scale === 0 ? 0 : (2 * e) / scale;
  }
  if (n === 0) throw new RangeError(`regressionMetrics: no values to score (${target.length} values${mask ? ", all masked" : ""})`);
  return { mae: abs / n, rmse: Math.sqrt(sq / n), smape: (100 * sym) / n, count: n };
}

function checkRows(what: string, values: unknown, cols: number): number {
  if (!(values instanceof Float32Array)) throw new TypeError(`${what}: values must be a Float32Array of [rows · ${cols}], got ${describe(values)}`);
  checkPositiveInt("cols", cols);
  if (values.length % cols !== 0) throw new RangeError(`${what}: values has ${values.length} numbers, not a multiple of cols ${cols}`);
  return values.length / cols;
}

/** The column of each row's largest value ([rows · cols] → [rows]): the first on ties, the first NaN if any (numpy's argmax). */
export function argmaxRows(values: Float32Array, cols: number): Int32Array {
  const rows = checkRows("argmaxRows", values, cols);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      if (Number.isNaN(v)) {
        best = c;
        break;
      }
      if (v > values[r * cols + best]) best = c;
    }
    out[r] = best;
  }
  return out;
}

/**
 * Softmax of each row into a new array: exp(x − max) / Σ exp(x − max), in float64, as torch.softmax(dim=-1):
 * −Infinity gives 0; a row with +Infinity or NaN gives NaN.
 */
export function softmaxRows(values: Float32Array, cols: number): Float32Array {
  const rows = checkRows("softmaxRows", values, cols);
  const out = new Float32Array(values.length);
  const e = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const row = values.subarray(r * cols, (r + 1) * cols);
    const max = row.reduce((a, b) => (b > a || Number.isNaN(b) ? b : a), -Infinity);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += e[c] = Math.exp(row[c] - max);
    for (let c = 0; c < cols; c++) out[r * cols + c] = e[c] / sum;
  }
  return out;
}
