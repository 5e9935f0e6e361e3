// LSTM step, gate blocks in PyTorch's order i, f, g, o:
//   i, f, o = σ(a_i, a_f, a_o)   g = tanh(a_g)   c_t = f⊙c_{t-1} + i⊙g   h_t = o⊙tanh(c_t)
// Step functions over a lane type T, called four units at a time and then one by one (see rnn.ts). σ is the
// logistic function, or the hard sigmoid in the *Hard kernels (`hard`: a constant in each exported kernel).

import { gate, gateGrad, tanh } from "../activations";
import { ld, st, add, sub, mul, splat } from "../lanes";
import { isActive, row } from "../simd";

// @ts-ignore: decorator
@inline function forwardAt<T>(hard: bool, gi: usize, H: usize, cp: usize, cn: usize, hn: usize, o: usize, off: usize): void {
  const pi = gi + off, pf = pi + H, pg = pf + H, po = pg + H; // H in bytes here
  const i = gate<T>(hard, ld<T>(pi));
  const f = gate<T>(hard, ld<T>(pf));
  const g = tanh<T>(ld<T>(pg));
  const og = gate<T>(hard, ld<T>(po));
  const c = add<T>(mul<T>(f, ld<T>(cp + off)), mul<T>(i, g));
  const h = mul<T>(og, tanh<T>(c));
  st<T>(pi, i); st<T>(pf, f); st<T>(pg, g); st<T>(po, og);
  st<T>(cn + off, c);
  st<T>(hn + off, h);
  st<T>(o + off, h);
}

/** gates [B,4H]: pre-activations in, activated i,f,g,o out (kept for backward). Padded steps carry h and c. */
export function lstmForward(
  gates: usize, hPrev: usize, cPrev: usize, hNext: usize, cNext: usize, out: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  forwardRows(false, gates, hPrev, cPrev, hNext, cNext, out, ldo, B, H, lens, t);
}

/** lstmForward with hard-sigmoid gates i, f, o. */
export function lstmForwardHard(
  gates: usize, hPrev: usize, cPrev: usize, hNext: usize, cNext: usize, out: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  forwardRows(true, gates, hPrev, cPrev, hNext, cNext, out, ldo, B, H, lens, t);
}

// @ts-ignore: decorator
@inline function forwardRows(
  hard: bool, gates: usize, hPrev: usize, cPrev: usize, hNext: usize, cNext: usize, out: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const hn = row(hNext, b, H), cn = row(cNext, b, H), o = row(out, b, ldo), cp = row(cPrev, b, H);
    if (!isActive(lens, b, t)) {
      memory.copy(hn, row(hPrev, b, H), bytes);
      memory.copy(cn, cp, bytes);
      memory.fill(o, 0, bytes);
      continue;
    }
    const gi = row(gates, b, 4 * H);
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) forwardAt<v128>(hard, gi, bytes, cp, cn, hn, o, <usize>j << 2);
    for (; j < H; j++) forwardAt<f32>(hard, gi, bytes, cp, cn, hn, o, <usize>j << 2);
  }
}

// @ts-ignore: decorator
@inline function backwardAt<T>(hard: bool, gi: usize, H: usize, cp: usize, cn: usize, d: usize, dcr: usize, o: usize, off: usize): void {
  const one = splat<T>(1);
  const pi = gi + off, pf = pi + H, pg = pf + H, po = pg + H;
  let dht = ld<T>(d + off);
  if (o) dht = add<T>(dht, ld<T>(o + off));
  const i = ld<T>(pi), f = ld<T>(pf), g = ld<T>(pg), og = ld<T>(po);
  const tc = tanh<T>(ld<T>(cn + off));
  const dct = add<T>(ld<T>(dcr + off), mul<T>(mul<T>(dht, og), sub<T>(one, mul<T>(tc, tc))));
  st<T>(pi, mul<T>(mul<T>(dct, g), gateGrad<T>(hard, i)));
  st<T>(pf, mul<T>(mul<T>(dct, ld<T>(cp + off)), gateGrad<T>(hard, f)));
  st<T>(pg, mul<T>(mul<T>(dct, i), sub<T>(one, mul<T>(g, g))));
  st<T>(po, mul<T>(mul<T>(dht, tc), gateGrad<T>(hard, og)));
  st<T>(dcr + off, mul<T>(dct, f));
  st<T>(d + off, splat<T>(0));
}

/**
 * gates [B,4H]: activated gates in, dA_t (pre-activation gradients) out. dh, dc [B,H]: gradients w.r.t. h_t, c_t
 * from step t+1 in; out: ∂L/∂c_{t-1} in dc, and in dh the part of ∂L/∂h_{t-1} outside W_hh (zero when active).
 */
export function lstmBackward(
  gates: usize, cPrev: usize, cNext: usize, dh: usize, dc: usize, dOut: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  backwardRows(false, gates, cPrev, cNext, dh, dc, dOut, ldo, B, H, lens, t);
}

/** lstmBackward for hard-sigmoid gates (from lstmForwardHard's activations). */
export function lstmBackwardHard(
  gates: usize, cPrev: usize, cNext: usize, dh: usize, dc: usize, dOut: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  backwardRows(true, gates, cPrev, cNext, dh, dc, dOut, ldo, B, H, lens, t);
}

// @ts-ignore: decorator
@inline function backwardRows(
  hard: bool, gates: usize, cPrev: usize, cNext: usize, dh: usize, dc: usize, dOut: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gi = row(gates, b, 4 * H);
    if (!isActive(lens, b, t)) {
      memory.fill(gi, 0, bytes << 2);
      continue;
    }
    const d = row(dh, b, H), dcr = row(dc, b, H), cp = row(cPrev, b, H), cn = row(cNext, b, H);
    const o = dOut ? row(dOut, b, ldo) : 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) backwardAt<v128>(hard, gi, bytes, cp, cn, d, dcr, o, <usize>j << 2);
    for (; j < H; j++) backwardAt<f32>(hard, gi, bytes, cp, cn, d, dcr, o, <usize>j << 2);
  }
}
