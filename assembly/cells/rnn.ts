// Elman RNN step:  h_t = φ(a_t),  a_t = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh  (φ = tanh or relu).
// The caller has accumulated a_t into `gates`; these kernels do the pointwise part of one time step.
// Each loop runs whole vectors through a chunk function inlined with n = 4 (so its partial-load branches fold
// away: measured ~4× faster than testing per chunk) and the tail once with n < 4.

import { tanh4, relu4 } from "../activations";
import { ldv, stv, isActive, row } from "../simd";

// @ts-ignore: decorator
@inline function forwardChunk(g: usize, hn: usize, o: usize, off: usize, n: i32, relu: bool): void {
  const a = ldv(g + off, n);
  const h = relu ? relu4(a) : tanh4(a);
  stv(g + off, h, n);
  stv(hn + off, h, n);
  stv(o + off, h, n);
}

/**
 * gates [B,H]: pre-activations in, h_t out (kept for backward). hNext: the carried state; out: the layer's
 * output row (stride ldo), 0 on padded steps, where the state is carried unchanged.
 */
export function rnnForward(
  gates: usize, hPrev: usize, hNext: usize, out: usize, ldo: i32, B: i32, H: i32, relu: bool, lens: usize, t: i32,
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
    if (relu) {
      for (; j + 4 <= H; j += 4) forwardChunk(g, hn, o, <usize>j << 2, 4, true);
      if (j < H) forwardChunk(g, hn, o, <usize>j << 2, H - j, true);
    } else {
      for (; j + 4 <= H; j += 4) forwardChunk(g, hn, o, <usize>j << 2, 4, false);
      if (j < H) forwardChunk(g, hn, o, <usize>j << 2, H - j, false);
    }
  }
}

// @ts-ignore: decorator
@inline function backwardChunk(g: usize, d: usize, o: usize, off: usize, n: i32, relu: bool): void {
  let dht = ldv(d + off, n);
  if (o) dht = f32x4.add(dht, ldv(o + off, n));
  const h = ldv(g + off, n);
  const da = relu
    ? v128.and(dht, f32x4.gt(h, f32x4.splat(0)))
    : f32x4.mul(dht, f32x4.sub(f32x4.splat(1), f32x4.mul(h, h)));
  stv(g + off, da, n);
  stv(d + off, f32x4.splat(0), n);
}

/**
 * gates [B,H]: h_t in, dA_t = ∂L/∂a_t out. dh [B,H]: ∂L/∂h_t from step t+1 in; out: the part of ∂L/∂h_{t-1}
 * that does not go through W_hh (zero on active rows; the caller adds dA·W_hh). dOut: ∂L/∂output (0 = none).
 */
export function rnnBackward(
  gates: usize, dh: usize, dOut: usize, ldo: i32, B: i32, H: i32, relu: bool, lens: usize, t: i32,
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
    if (relu) {
      for (; j + 4 <= H; j += 4) backwardChunk(g, d, o, <usize>j << 2, 4, true);
      if (j < H) backwardChunk(g, d, o, <usize>j << 2, H - j, true);
    } else {
      for (; j + 4 <= H; j += 4) backwardChunk(g, d, o, <usize>j << 2, 4, false);
      if (j < H) backwardChunk(g, d, o, <usize>j << 2, H - j, false);
    }
  }
}
