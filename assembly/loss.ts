// Softmax cross-entropy over rows of logits, fused with its gradient: the loss of a language model.
// Vector loops with single-float tails, over lane types (see lanes.ts).

import { exp } from "./activations";
import { ld, st, sub, mul, add, splat, pmax, lanesSum, lanesMax } from "./lanes";
import { row } from "./simd";

/** max over n floats at p. */
function rowMax(p: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    let v = f32x4.splat(-Infinity);
    for (; j + 4 <= n; j += 4) v = pmax<v128>(v, ld<v128>(p + (<usize>j << 2)));
    m = lanesMax<v128>(v);
  }
  for (; j < n; j++) m = max(m, load<f32>(p + (<usize>j << 2)));
  return m;
}

// @ts-ignore: decorator
@inline function expAt<T>(x: usize, out: usize, shift: f32, invTemp: f32, store_: bool): T {
  const e = exp<T>(mul<T>(sub<T>(ld<T>(x), splat<T>(shift)), splat<T>(invTemp)));
  if (store_) st<T>(out, e);
  return e;
}

/** out[j] = e^{(x[j] − shift)·invTemp} (stored when out ≠ 0); returns Σ (f64). out may alias x. */
function expShifted(x: usize, out: usize, n: i32, shift: f32, invTemp: f32): f64 {
  let sum: f64 = 0;
  let j = 0;
  const keep = out != 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) acc = add<v128>(acc, expAt<v128>(x + (<usize>j << 2), out + (<usize>j << 2), shift, invTemp, keep));
    sum = lanesSum<v128>(acc);
  }
  for (; j < n; j++) sum += expAt<f32>(x + (<usize>j << 2), out + (<usize>j << 2), shift, invTemp, keep);
  return sum;
}

/** x[j] *= s for n floats. */
function scaleRow(x: usize, n: i32, s: f32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) for (; j + 4 <= n; j += 4) st<v128>(x + (<usize>j << 2), mul<v128>(ld<v128>(x + (<usize>j << 2)), splat<v128>(s)));
  for (; j < n; j++) store<f32>(x + (<usize>j << 2), load<f32>(x + (<usize>j << 2)) * s);
}

/**
 * Mean-able cross-entropy: returns Σ_rows (logsumexp(logits_r) − logits_r[target_r]) in f64, and, when
 * dlogits ≠ 0, writes dlogits_r = (softmax(logits_r) − onehot(target_r))·scale (scale = 1/rows for the mean).
 * targets: Int32 [rows], each in [0, V). logits/dlogits: rows × V with row stride ld. dlogits may alias logits.
 */
export function softmaxCrossEntropy(logits: usize, targets: usize, rows: i32, V: i32, ld_: i32, dlogits: usize, scale: f32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const x = row(logits, r, ld_);
    const target = load<i32>(targets + (<usize>r << 2));
    const m = rowMax(x, V);
    const picked = load<f32>(x + (<usize>target << 2));
    const d = dlogits ? row(dlogits, r, ld_) : 0;
    const sum = expShifted(x, d, V, m, 1);
    total += Math.log(sum) + <f64>m - <f64>picked;
    if (d) {
      scaleRow(d, V, <f32>(<f64>scale / sum));
      store<f32>(d + (<usize>target << 2), load<f32>(d + (<usize>target << 2)) - scale);
    }
  }
  return total;
}

/** probs = softmax(logits / temperature) for one row of V (invTemp = 1/temperature > 0). */
export function softmaxRow(logits: usize, probs: usize, V: i32, invTemp: f32): void {
  const m = rowMax(logits, V);
  scaleRow(probs, V, <f32>(1.0 / expShifted(logits, probs, V, m, invTemp)));
}

/**
 * Classification cross-entropy over rows whose target is not `ignore`: returns Σ w[t_r]·(logsumexp(x_r) −
 * x_r[t_r]) in f64 and, when dlogits ≠ 0, writes dlogits_r = w[t_r]·(softmax(x_r) − onehot(t_r))·scale, and 0
 * on ignored rows. weights: f32 [C] class weights, or 0 for all 1 (scale = 1/Σ w for PyTorch's weighted mean).
 * Targets other than `ignore` must lie in [0, C) (the caller checks).
 */
export function crossEntropyRows(
  logits: usize, targets: usize, rows: i32, C: i32, ld_: i32, weights: usize, ignore: i32, dlogits: usize, scale: f32,
): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const target = load<i32>(targets + (<usize>r << 2));
    const d = dlogits ? row(dlogits, r, ld_) : 0;
    if (target == ignore) {
      if (d) memory.fill(d, 0, <usize>C << 2);
      continue;
    }
    const x = row(logits, r, ld_);
    const w: f32 = weights ? load<f32>(weights + (<usize>target << 2)) : 1;
    const m = rowMax(x, C);
    const picked = load<f32>(x + (<usize>target << 2));
    const sum = expShifted(x, d, C, m, 1);
    total += <f64>w * (Math.log(sum) + <f64>m - <f64>picked);
    if (d) {
      scaleRow(d, C, <f32>(<f64>(w * scale) / sum));
      store<f32>(d + (<usize>target << 2), load<f32>(d + (<usize>target << 2)) - w * scale);
    }
  }
  return total;
}

/**
 * Squared error over the rows of pred (stride ldp) and target (contiguous), rows × cols, on rows where mask
 * (Int32 [rows], 0 = skip; or mask = 0 for all): returns Σ (p − t)² in f64; dpred = 2(p − t)·scale there, 0
 * on skipped rows.
 */
export function squaredError(pred: usize, target: usize, rows: i32, cols: i32, ldp: i32, mask: usize, dpred: usize, scale: f32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const on = mask == 0 || load<i32>(mask + (<usize>r << 2)) != 0;
    const p = row(pred, r, ldp), t = row(target, r, cols), d = dpred ? row(dpred, r, ldp) : 0;
    for (let j = 0; j < cols; j++) {
      const diff = load<f32>(p + (<usize>j << 2)) - load<f32>(t + (<usize>j << 2));
      if (on) total += <f64>diff * <f64>diff;
      if (d) store<f32>(d + (<usize>j << 2), on ? 2 * diff * scale : 0);
    }
  }
  return total;
}

/**
 * Huber loss (PyTorch's HuberLoss with `delta`): per element 0.5·d² when |d| ≤ δ, else δ·(|d| − δ/2); returns
 * the sum over unmasked rows (f64); dpred = (d, or δ·sign d beyond δ)·scale there, 0 on skipped rows.
 */
export function huberLoss(pred: usize, target: usize, rows: i32, cols: i32, ldp: i32, mask: usize, delta: f32, dpred: usize, scale: f32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const on = mask == 0 || load<i32>(mask + (<usize>r << 2)) != 0;
    const p = row(pred, r, ldp), t = row(target, r, cols), d = dpred ? row(dpred, r, ldp) : 0;
    for (let j = 0; j < cols; j++) {
      const diff = load<f32>(p + (<usize>j << 2)) - load<f32>(t + (<usize>j << 2));
      const a = abs(diff);
      if (on) total += a <= delta ? 0.5 * <f64>diff * <f64>diff : <f64>delta * (<f64>a - 0.5 * <f64>delta);
      if (d) store<f32>(d + (<usize>j << 2), on ? (a <= delta ? diff : (diff > 0 ? delta : -delta)) * scale : 0);
    }
  }
  return total;
}
