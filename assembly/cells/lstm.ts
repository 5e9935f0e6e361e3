// LSTM step, gate blocks in PyTorch's order i, f, g, o:
//   i, f, o = σ(a_i, a_f, a_o)   g = tanh(a_g)   c_t = f⊙c_{t-1} + i⊙g   h_t = o⊙tanh(c_t)
// With peepholes p = [p_i, p_f, p_o] (ONNX's P, Gers & Schmidhuber): i = σ(a_i + p_i⊙c_{t-1}),
// f = σ(a_f + p_f⊙c_{t-1}), o = σ(a_o + p_o⊙c_t); σ may be the hard sigmoid. lstmForward / lstmBackward are the
// default (σ, no peepholes), everything inlined; lstmForwardVariant / lstmBackwardVariant serve the other cases
// with one copy, calling σ and tanh and testing `hard` and `peep` (0: none), the same at every element, in
// the loop: the module's size budget.
// Step functions over a lane type T, called four units at a time and then one by one (see rnn.ts).

import { gateEither, gateGradEither, sigmoid, tanh, tanhCall } from "../activations";
import { ld, st, add, sub, mul, splat } from "../lanes";
import { isActive, row } from "../simd";

// @ts-ignore: decorator
@inline function forwardAt<T>(gi: usize, H: usize, cp: usize, cn: usize, hn: usize, o: usize, off: usize): void {
  const pi = gi + off, pf = pi + H, pg = pf + H, po = pg + H; // H in bytes here
  const i = sigmoid<T>(ld<T>(pi));
  const f = sigmoid<T>(ld<T>(pf));
  const g = tanh<T>(ld<T>(pg));
  const og = sigmoid<T>(ld<T>(po));
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
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) forwardAt<v128>(gi, bytes, cp, cn, hn, o, <usize>j << 2);
    for (; j < H; j++) forwardAt<f32>(gi, bytes, cp, cn, hn, o, <usize>j << 2);
  }
}

// @ts-ignore: decorator
@inline function backwardAt<T>(gi: usize, H: usize, cp: usize, cn: usize, d: usize, dcr: usize, o: usize, off: usize): void {
  const one = splat<T>(1);
  const pi = gi + off, pf = pi + H, pg = pf + H, po = pg + H;
  let dht = ld<T>(d + off);
  if (o) dht = add<T>(dht, ld<T>(o + off));
  const i = ld<T>(pi), f = ld<T>(pf), g = ld<T>(pg), og = ld<T>(po);
  const tc = tanh<T>(ld<T>(cn + off));
  const dct = add<T>(ld<T>(dcr + off), mul<T>(mul<T>(dht, og), sub<T>(one, mul<T>(tc, tc))));
  st<T>(pi, mul<T>(mul<T>(dct, g), mul<T>(i, sub<T>(one, i))));
  st<T>(pf, mul<T>(mul<T>(dct, ld<T>(cp + off)), mul<T>(f, sub<T>(one, f))));
  st<T>(pg, mul<T>(mul<T>(dct, i), sub<T>(one, mul<T>(g, g))));
  st<T>(po, mul<T>(mul<T>(dht, tc), mul<T>(og, sub<T>(one, og))));
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
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) backwardAt<v128>(gi, bytes, cp, cn, d, dcr, o, <usize>j << 2);
    for (; j < H; j++) backwardAt<f32>(gi, bytes, cp, cn, d, dcr, o, <usize>j << 2);
  }
}

// ------------------------------------------------------------------ peepholes, hard-sigmoid gates ----

// @ts-ignore: decorator
@inline function variantForwardAt<T>(hard: bool, pp: usize, gi: usize, H: usize, cp: usize, cn: usize, hn: usize, o: usize, off: usize): void {
  const pi = gi + off, pf = pi + H, pg = pf + H, po = pg + H;
  let ai = ld<T>(pi), af = ld<T>(pf);
  if (pp) {
    const cprev = ld<T>(cp + off);
    ai = add<T>(ai, mul<T>(ld<T>(pp + off), cprev));
    af = add<T>(af, mul<T>(ld<T>(pp + H + off), cprev));
  }
  const i = gateEither<T>(hard, ai);
  const f = gateEither<T>(hard, af);
  const g = tanhCall<T>(ld<T>(pg));
  const c = add<T>(mul<T>(f, ld<T>(cp + off)), mul<T>(i, g));
  let ao = ld<T>(po);
  if (pp) ao = add<T>(ao, mul<T>(ld<T>(pp + 2 * H + off), c));
  const og = gateEither<T>(hard, ao);
  const h = mul<T>(og, tanhCall<T>(c));
  st<T>(pi, i); st<T>(pf, f); st<T>(pg, g); st<T>(po, og);
  st<T>(cn + off, c);
  st<T>(hn + off, h);
  st<T>(o + off, h);
}

/** lstmForward with peepholes peep [3H] (p_i, p_f, p_o; 0: none) and/or hard-sigmoid gates i, f, o (hard). */
export function lstmForwardVariant(
  gates: usize, peep: usize, hPrev: usize, cPrev: usize, hNext: usize, cNext: usize, out: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32, hard: bool,
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
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) variantForwardAt<v128>(hard, peep, gi, bytes, cp, cn, hn, o, <usize>j << 2);
    for (; j < H; j++) variantForwardAt<f32>(hard, peep, gi, bytes, cp, cn, hn, o, <usize>j << 2);
  }
}

// Backward: o = σ(a_o + p_o⊙c_t) feeds back into c_t, and i, f see c_{t-1}:
//   dA_o = dh_t⊙tanh(c_t)⊙σ'(o)      dc_t = dc_t(in) + dh_t⊙o⊙(1 − tanh²c_t) + dA_o⊙p_o
//   dc_{t-1} = dc_t⊙f + dA_i⊙p_i + dA_f⊙p_f      dp_i += dA_i⊙c_{t-1}, dp_f += dA_f⊙c_{t-1}, dp_o += dA_o⊙c_t

// @ts-ignore: decorator
@inline function variantBackwardAt<T>(
  hard: bool, pp: usize, dp: usize, gi: usize, H: usize, cp: usize, cn: usize, d: usize, dcr: usize, o: usize, off: usize,
): void {
  const one = splat<T>(1);
  const pi = gi + off, pf = pi + H, pg = pf + H, po = pg + H;
  let dht = ld<T>(d + off);
  if (o) dht = add<T>(dht, ld<T>(o + off));
  const i = ld<T>(pi), f = ld<T>(pf), g = ld<T>(pg), og = ld<T>(po);
  const c = ld<T>(cn + off), cprev = ld<T>(cp + off);
  const tc = tanhCall<T>(c);
  const dao = mul<T>(mul<T>(dht, tc), gateGradEither<T>(hard, og));
  let dct = add<T>(ld<T>(dcr + off), mul<T>(mul<T>(dht, og), sub<T>(one, mul<T>(tc, tc))));
  if (pp) dct = add<T>(dct, mul<T>(dao, ld<T>(pp + 2 * H + off)));
  const dai = mul<T>(mul<T>(dct, g), gateGradEither<T>(hard, i));
  const daf = mul<T>(mul<T>(dct, cprev), gateGradEither<T>(hard, f));
  st<T>(pi, dai);
  st<T>(pf, daf);
  st<T>(pg, mul<T>(mul<T>(dct, i), sub<T>(one, mul<T>(g, g))));
  st<T>(po, dao);
  st<T>(d + off, splat<T>(0));
  let dcp = mul<T>(dct, f);
  if (pp) {
    dcp = add<T>(add<T>(dcp, mul<T>(dai, ld<T>(pp + off))), mul<T>(daf, ld<T>(pp + H + off)));
    st<T>(dp + off, add<T>(ld<T>(dp + off), mul<T>(dai, cprev)));
    st<T>(dp + H + off, add<T>(ld<T>(dp + H + off), mul<T>(daf, cprev)));
    st<T>(dp + 2 * H + off, add<T>(ld<T>(dp + 2 * H + off), mul<T>(dao, c)));
  }
  st<T>(dcr + off, dcp);
}

/**
 * lstmBackward for lstmForwardVariant's activations: peepholes peep [3H] (0: none), whose gradient dPeep [3H]
 * gains this step's ∂L/∂(p_i, p_f, p_o) summed over the active rows; hard: hard-sigmoid gates.
 */
export function lstmBackwardVariant(
  gates: usize, peep: usize, dPeep: usize, cPrev: usize, cNext: usize, dh: usize, dc: usize, dOut: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32, hard: bool,
): void {
  variantBackwardRows(hard, peep, dPeep, gates, cPrev, cNext, dh, dc, dOut, ldo, B, H, lens, t);
}

// @ts-ignore: decorator
@inline function variantBackwardRows(
  hard: bool, peep: usize, dPeep: usize, gates: usize, cPrev: usize, cNext: usize, dh: usize, dc: usize, dOut: usize, ldo: i32,
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
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) variantBackwardAt<v128>(hard, peep, dPeep, gi, bytes, cp, cn, d, dcr, o, <usize>j << 2);
    for (; j < H; j++) variantBackwardAt<f32>(hard, peep, dPeep, gi, bytes, cp, cn, d, dcr, o, <usize>j << 2);
  }
}
