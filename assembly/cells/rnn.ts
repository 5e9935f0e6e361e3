// Elman RNN step:  h_t = φ(a_t),  a_t = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh  (φ = tanh or relu).
// The caller has accumulated a_t into `gates`; these kernels do the pointwise part of one time step.
// Each step function is written once over a lane type T (see lanes.ts) and takes row base pointers plus the
// byte offset `off` of the units it handles: four at a time as v128, then the rest one by one as f32 (and
// everything as f32 in the scalar build).

import { tanh, relu } from "../activations";
import { ld, st, add, sub, mul, splat, wherePositiveElseZero } from "../lanes";
import { isActive, row } from "../simd";

// @ts-ignore: decorator
@inline function forwardAt<T>(g: usize, hn: usize, o: usize, off: usize, useRelu: bool): void {
  const a = ld<T>(g + off);
  const h = useRelu ? relu<T>(a) : tanh<T>(a);
  st<T>(g + off, h);
  st<T>(hn + off, h);
  st<T>(o + off, h);
}

/**
 * gates [B,H]: pre-activations in, h_t out (kept for backward). hNext: the carried state; out: the layer's
 * output row (stride ldo), 0 on padded steps, where the state is carried unchanged.
 */
export function rnnForward(
  gates: usize, hPrev: usize, hNext: usize, out: usize, ldo: i32, B: i32, H: i32, useRelu: bool, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const hp = row(hPrev, b, H), hn = row(hNext, b, H), o = row(out, b, ldo);
    if (!isActive(lens, b, t)) {
      memory.copy(hn, hp, bytes);
      memory.fill(o, 0, bytes);
      continue;
    }
    const g = row(gates, b, H);
    let j = 0;
    if (useRelu) {
      if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) forwardAt<v128>(g, hn, o, <usize>j << 2, true);
      for (; j < H; j++) forwardAt<f32>(g, hn, o, <usize>j << 2, true);
    } else {
      if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) forwardAt<v128>(g, hn, o, <usize>j << 2, false);
      for (; j < H; j++) forwardAt<f32>(g, hn, o, <usize>j << 2, false);
    }
  }
}

// @ts-ignore: decorator
@inline function backwardAt<T>(g: usize, d: usize, o: usize, off: usize, useRelu: bool): void {
  let dht = ld<T>(d + off);
  if (o) dht = add<T>(dht, ld<T>(o + off));
  const h = ld<T>(g + off);
  st<T>(g + off, useRelu ? wherePositiveElseZero<T>(h, dht) : mul<T>(dht, sub<T>(splat<T>(1), mul<T>(h, h))));
  st<T>(d + off, splat<T>(0));
}

/**
 * gates [B,H]: h_t in, dA_t = ∂L/∂a_t out. dh [B,H]: ∂L/∂h_t from step t+1 in; out: the part of ∂L/∂h_{t-1}
 * that does not go through W_hh (zero on active rows; the caller adds dA·W_hh). dOut: ∂L/∂output (0 = none).
 */
export function rnnBackward(
  gates: usize, dh: usize, dOut: usize, ldo: i32, B: i32, H: i32, useRelu: bool, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const g = row(gates, b, H);
    if (!isActive(lens, b, t)) {
      memory.fill(g, 0, bytes);
      continue;
    }
    const d = row(dh, b, H), o = dOut ? row(dOut, b, ldo) : 0;
    let j = 0;
    if (useRelu) {
      if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) backwardAt<v128>(g, d, o, <usize>j << 2, true);
      for (; j < H; j++) backwardAt<f32>(g, d, o, <usize>j << 2, true);
    } else {
      if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) backwardAt<v128>(g, d, o, <usize>j << 2, false);
      for (; j < H; j++) backwardAt<f32>(g, d, o, <usize>j << 2, false);
    }
  }
}
