// GRU step, gate blocks in PyTorch's order r, z, n:
//   r = σ(a_r)   z = σ(a_z)   h_t = z⊙h_{t-1} + (1 − z)⊙n   (written n + z⊙(h_{t-1} − n))
// reset after  (PyTorch / cuDNN): n = tanh(x W_inᵀ + b_in + r⊙(h_{t-1} W_hnᵀ + b_hn))
// reset before (textbook / Keras): n = tanh(x W_inᵀ + b_in + (r⊙h_{t-1}) W_hnᵀ + b_hn)
// Step functions over a lane type T, called four units at a time and then one by one (see rnn.ts). In them,
// H is the gate block size in bytes. σ is the logistic function, or the hard sigmoid in the *Hard kernels
// (`hard`: a constant in each exported kernel).

import { gate, gateGrad, tanh } from "../activations";
import { ld, st, add, sub, mul, splat } from "../lanes";
import { isActive, row } from "../simd";

// ---------------------------------------------------------------- reset after ----

// @ts-ignore: decorator
@inline function forwardAt<T>(
  hard: bool, gr: usize, hr: usize, bhh: usize, H: usize, sv: usize, hp: usize, hnx: usize, o: usize, off: usize,
): void {
  const pr = gr + off, pz = pr + H, pn = pz + H, qr = hr + off, qz = qr + H, qn = qz + H;
  let ar = add<T>(ld<T>(pr), ld<T>(qr));
  let az = add<T>(ld<T>(pz), ld<T>(qz));
  let hn = ld<T>(qn);
  if (bhh) {
    ar = add<T>(ar, ld<T>(bhh + off));
    az = add<T>(az, ld<T>(bhh + H + off));
    hn = add<T>(hn, ld<T>(bhh + 2 * H + off));
  }
  const r = gate<T>(hard, ar), z = gate<T>(hard, az);
  const nn = tanh<T>(add<T>(ld<T>(pn), mul<T>(r, hn)));
  const h = add<T>(nn, mul<T>(z, sub<T>(ld<T>(hp + off), nn)));
  st<T>(pr, r); st<T>(pz, z); st<T>(pn, nn);
  st<T>(sv + off, hn);
  st<T>(hnx + off, h);
  st<T>(o + off, h);
}

/**
 * gates [B,3H]: x W_ihᵀ + b_ih in, activated r, z, n out. hh [B,3H]: h_{t-1} W_hhᵀ (no bias); bhh: b_hh or 0.
 * hnSave [B,H] receives h_{t-1} W_hnᵀ + b_hn, which backward needs for ∂r.
 */
export function gruForward(
  gates: usize, hh: usize, bhh: usize, hnSave: usize, hPrev: usize, hNext: usize, out: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  gruForwardRows(false, gates, hh, bhh, hnSave, hPrev, hNext, out, ldo, B, H, lens, t);
}

/** gruForward with hard-sigmoid gates r, z. */
export function gruForwardHard(
  gates: usize, hh: usize, bhh: usize, hnSave: usize, hPrev: usize, hNext: usize, out: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  gruForwardRows(true, gates, hh, bhh, hnSave, hPrev, hNext, out, ldo, B, H, lens, t);
}

// @ts-ignore: decorator
@inline function gruForwardRows(
  hard: bool, gates: usize, hh: usize, bhh: usize, hnSave: usize, hPrev: usize, hNext: usize, out: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const hp = row(hPrev, b, H), hnx = row(hNext, b, H), o = row(out, b, ldo);
    if (!isActive(lens, b, t)) {
      memory.copy(hnx, hp, bytes);
      memory.fill(o, 0, bytes);
      continue;
    }
    const gr = row(gates, b, 3 * H), hr = row(hh, b, 3 * H), sv = row(hnSave, b, H);
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) forwardAt<v128>(hard, gr, hr, bhh, bytes, sv, hp, hnx, o, <usize>j << 2);
    for (; j < H; j++) forwardAt<f32>(hard, gr, hr, bhh, bytes, sv, hp, hnx, o, <usize>j << 2);
  }
}

// @ts-ignore: decorator
@inline function backwardAt<T>(
  hard: bool, gr: usize, qr: usize, H: usize, sv: usize, hp: usize, d: usize, o: usize, off: usize,
): void {
  const one = splat<T>(1);
  const pr = gr + off, pz = pr + H, pn = pz + H, wr = qr + off, wz = wr + H, wn = wz + H;
  let dht = ld<T>(d + off);
  if (o) dht = add<T>(dht, ld<T>(o + off));
  const r = ld<T>(pr), z = ld<T>(pz), nn = ld<T>(pn);
  const dan = mul<T>(mul<T>(dht, sub<T>(one, z)), sub<T>(one, mul<T>(nn, nn)));
  const daz = mul<T>(mul<T>(dht, sub<T>(ld<T>(hp + off), nn)), gateGrad<T>(hard, z));
  const dar = mul<T>(mul<T>(dan, ld<T>(sv + off)), gateGrad<T>(hard, r));
  st<T>(pr, dar); st<T>(pz, daz); st<T>(pn, dan);
  st<T>(wr, dar); st<T>(wz, daz); st<T>(wn, mul<T>(dan, r));
  st<T>(d + off, mul<T>(dht, z));
}

/**
 * gates [B,3H]: r, z, n in; ∂L/∂(input pre-activations) out. dGhh [B,3H]: ∂L/∂(h W_hhᵀ + b_hh) out (differs in
 * the n block: scaled by r). dh: as in the other cells; the caller adds dGhh·W_hh.
 */
export function gruBackward(
  gates: usize, dGhh: usize, hnSave: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  gruBackwardRows(false, gates, dGhh, hnSave, hPrev, dh, dOut, ldo, B, H, lens, t);
}

/** gruBackward for hard-sigmoid gates (from gruForwardHard's activations). */
export function gruBackwardHard(
  gates: usize, dGhh: usize, hnSave: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  gruBackwardRows(true, gates, dGhh, hnSave, hPrev, dh, dOut, ldo, B, H, lens, t);
}

// @ts-ignore: decorator
@inline function gruBackwardRows(
  hard: bool, gates: usize, dGhh: usize, hnSave: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32,
  B: i32, H: i32, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), qr = row(dGhh, b, 3 * H);
    if (!isActive(lens, b, t)) {
      memory.fill(gr, 0, 3 * bytes);
      memory.fill(qr, 0, 3 * bytes);
      continue;
    }
    const d = row(dh, b, H), hp = row(hPrev, b, H), sv = row(hnSave, b, H);
    const o = dOut ? row(dOut, b, ldo) : 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) backwardAt<v128>(hard, gr, qr, bytes, sv, hp, d, o, <usize>j << 2);
    for (; j < H; j++) backwardAt<f32>(hard, gr, qr, bytes, sv, hp, d, o, <usize>j << 2);
  }
}

// --------------------------------------------------------------- reset before ----
// The n block's recurrent product needs r first, so a step is: GEMM (r, z blocks) → gruRbGates → GEMM (n block
// on r⊙h) → gruRbForward; and backward: gruRbBackwardN → GEMM (q = dA_n·W_hn) → gruRbBackwardR → GEMM.

// @ts-ignore: decorator
@inline function rbGatesAt<T>(hard: bool, gr: usize, H: usize, hp: usize, q: usize, off: usize): void {
  const pr = gr + off, pz = pr + H;
  const r = gate<T>(hard, ld<T>(pr));
  st<T>(pr, r);
  st<T>(pz, gate<T>(hard, ld<T>(pz)));
  st<T>(q + off, mul<T>(r, ld<T>(hp + off)));
}

/** gates [B,3H]: r, z pre-activations (complete) in, σ of them out; rh [B,H] = r ⊙ h_{t-1} (kept for backward). */
export function gruRbGates(gates: usize, hPrev: usize, rh: usize, B: i32, H: i32): void {
  gruRbGatesRows(false, gates, hPrev, rh, B, H);
}

/** gruRbGates with hard-sigmoid gates r, z. */
export function gruRbGatesHard(gates: usize, hPrev: usize, rh: usize, B: i32, H: i32): void {
  gruRbGatesRows(true, gates, hPrev, rh, B, H);
}

// @ts-ignore: decorator
@inline function gruRbGatesRows(hard: bool, gates: usize, hPrev: usize, rh: usize, B: i32, H: i32): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), hp = row(hPrev, b, H), q = row(rh, b, H);
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) rbGatesAt<v128>(hard, gr, bytes, hp, q, <usize>j << 2);
    for (; j < H; j++) rbGatesAt<f32>(hard, gr, bytes, hp, q, <usize>j << 2);
  }
}

// @ts-ignore: decorator
@inline function rbForwardAt<T>(gz: usize, H: usize, hp: usize, hnx: usize, o: usize, off: usize): void {
  const pz = gz + off, pn = pz + H;
  const nn = tanh<T>(ld<T>(pn));
  const h = add<T>(nn, mul<T>(ld<T>(pz), sub<T>(ld<T>(hp + off), nn)));
  st<T>(pn, nn);
  st<T>(hnx + off, h);
  st<T>(o + off, h);
}

/** gates: n pre-activation (complete) in, n out; writes h_t. Padded steps carry h. */
export function gruRbForward(
  gates: usize, hPrev: usize, hNext: usize, out: usize, ldo: i32, B: i32, H: i32, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const hp = row(hPrev, b, H), hnx = row(hNext, b, H), o = row(out, b, ldo);
    if (!isActive(lens, b, t)) {
      memory.copy(hnx, hp, bytes);
      memory.fill(o, 0, bytes);
      continue;
    }
    const gz = row(gates, b, 3 * H) + bytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) rbForwardAt<v128>(gz, bytes, hp, hnx, o, <usize>j << 2);
    for (; j < H; j++) rbForwardAt<f32>(gz, bytes, hp, hnx, o, <usize>j << 2);
  }
}

// @ts-ignore: decorator
@inline function rbBackwardNAt<T>(hard: bool, gz: usize, H: usize, hp: usize, d: usize, o: usize, off: usize): void {
  const one = splat<T>(1);
  const pz = gz + off, pn = pz + H;
  let dht = ld<T>(d + off);
  if (o) dht = add<T>(dht, ld<T>(o + off));
  const z = ld<T>(pz), nn = ld<T>(pn);
  st<T>(pn, mul<T>(mul<T>(dht, sub<T>(one, z)), sub<T>(one, mul<T>(nn, nn))));
  st<T>(pz, mul<T>(mul<T>(dht, sub<T>(ld<T>(hp + off), nn)), gateGrad<T>(hard, z)));
  st<T>(d + off, mul<T>(dht, z));
}

/** First half of the backward step: dA_z, dA_n into gates (r kept for gruRbBackwardR), dh ← dh_t ⊙ z. */
export function gruRbBackwardN(
  gates: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32, B: i32, H: i32, lens: usize, t: i32,
): void {
  gruRbBackwardNRows(false, gates, hPrev, dh, dOut, ldo, B, H, lens, t);
}

/** gruRbBackwardN for hard-sigmoid gates. */
export function gruRbBackwardNHard(
  gates: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32, B: i32, H: i32, lens: usize, t: i32,
): void {
  gruRbBackwardNRows(true, gates, hPrev, dh, dOut, ldo, B, H, lens, t);
}

// @ts-ignore: decorator
@inline function gruRbBackwardNRows(
  hard: bool, gates: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32, B: i32, H: i32, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H);
    if (!isActive(lens, b, t)) {
      memory.fill(gr, 0, 3 * bytes); // r = 0 makes the second half a no-op for this row
      continue;
    }
    const d = row(dh, b, H), hp = row(hPrev, b, H);
    const o = dOut ? row(dOut, b, ldo) : 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) rbBackwardNAt<v128>(hard, gr + bytes, bytes, hp, d, o, <usize>j << 2);
    for (; j < H; j++) rbBackwardNAt<f32>(hard, gr + bytes, bytes, hp, d, o, <usize>j << 2);
  }
}

// @ts-ignore: decorator
@inline function rbBackwardRAt<T>(hard: bool, gr: usize, q: usize, hp: usize, d: usize, off: usize): void {
  const r = ld<T>(gr + off), qv = ld<T>(q + off);
  st<T>(gr + off, mul<T>(mul<T>(qv, ld<T>(hp + off)), gateGrad<T>(hard, r)));
  st<T>(d + off, add<T>(ld<T>(d + off), mul<T>(qv, r)));
}

/** Second half: q = dA_n·W_hn [B,H] in; dA_r = q⊙h_{t-1}⊙r(1 − r) into gates; dh += q⊙r. */
export function gruRbBackwardR(gates: usize, q: usize, hPrev: usize, dh: usize, B: i32, H: i32): void {
  gruRbBackwardRRows(false, gates, q, hPrev, dh, B, H);
}

/** gruRbBackwardR for hard-sigmoid gates. */
export function gruRbBackwardRHard(gates: usize, q: usize, hPrev: usize, dh: usize, B: i32, H: i32): void {
  gruRbBackwardRRows(true, gates, q, hPrev, dh, B, H);
}

// @ts-ignore: decorator
@inline function gruRbBackwardRRows(hard: bool, gates: usize, q: usize, hPrev: usize, dh: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), qb = row(q, b, H), hp = row(hPrev, b, H), d = row(dh, b, H);
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= H; j += 4) rbBackwardRAt<v128>(hard, gr, qb, hp, d, <usize>j << 2);
    for (; j < H; j++) rbBackwardRAt<f32>(hard, gr, qb, hp, d, <usize>j << 2);
  }
}
