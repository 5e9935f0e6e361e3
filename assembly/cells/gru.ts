// GRU step, gate blocks in PyTorch's order r, z, n:
//   r = σ(a_r)   z = σ(a_z)   h_t = z⊙h_{t-1} + (1 − z)⊙n   (written n + z⊙(h_{t-1} − n))
// reset after  (PyTorch / cuDNN): n = tanh(x W_inᵀ + b_in + r⊙(h_{t-1} W_hnᵀ + b_hn))
// reset before (textbook / Keras): n = tanh(x W_inᵀ + b_in + (r⊙h_{t-1}) W_hnᵀ + b_hn)
// Loops: whole vectors through a chunk inlined with n = 4, then the tail (see rnn.ts). Inside a chunk, H is
// the gate block size in bytes.

import { sigmoid4, tanh4 } from "../activations";
import { ldv, stv, isActive, row } from "../simd";

// ---------------------------------------------------------------- reset after ----

// @ts-ignore: decorator
@inline function forwardChunk(
  gr: usize, hr: usize, bhh: usize, H: usize, sv: usize, hp: usize, hnx: usize, o: usize, off: usize, n: i32,
): void {
  const pr = gr + off, pz = pr + H, pn = pz + H, qr = hr + off, qz = qr + H, qn = qz + H;
  let ar = f32x4.add(ldv(pr, n), ldv(qr, n));
  let az = f32x4.add(ldv(pz, n), ldv(qz, n));
  let hn = ldv(qn, n);
  if (bhh) {
    ar = f32x4.add(ar, ldv(bhh + off, n));
    az = f32x4.add(az, ldv(bhh + H + off, n));
    hn = f32x4.add(hn, ldv(bhh + 2 * H + off, n));
  }
  const r = sigmoid4(ar), z = sigmoid4(az);
  const nn = tanh4(f32x4.add(ldv(pn, n), f32x4.mul(r, hn)));
  const h = f32x4.add(nn, f32x4.mul(z, f32x4.sub(ldv(hp + off, n), nn)));
  stv(pr, r, n); stv(pz, z, n); stv(pn, nn, n);
  stv(sv + off, hn, n);
  stv(hnx + off, h, n);
  stv(o + off, h, n);
}

/**
 * gates [B,3H]: x W_ihᵀ + b_ih in, activated r, z, n out. hh [B,3H]: h_{t-1} W_hhᵀ (no bias); bhh: b_hh or 0.
 * hnSave [B,H] receives h_{t-1} W_hnᵀ + b_hn, which backward needs for ∂r.
 */
export function gruForward(
  gates: usize, hh: usize, bhh: usize, hnSave: usize, hPrev: usize, hNext: usize, out: usize, ldo: i32,
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
    for (; j + 4 <= H; j += 4) forwardChunk(gr, hr, bhh, bytes, sv, hp, hnx, o, <usize>j << 2, 4);
    if (j < H) forwardChunk(gr, hr, bhh, bytes, sv, hp, hnx, o, <usize>j << 2, H - j);
  }
}

// @ts-ignore: decorator
@inline function backwardChunk(
  gr: usize, qr: usize, H: usize, sv: usize, hp: usize, d: usize, o: usize, off: usize, n: i32,
): void {
  const one = f32x4.splat(1);
  const pr = gr + off, pz = pr + H, pn = pz + H, wr = qr + off, wz = wr + H, wn = wz + H;
  let dht = ldv(d + off, n);
  if (o) dht = f32x4.add(dht, ldv(o + off, n));
  const r = ldv(pr, n), z = ldv(pz, n), nn = ldv(pn, n);
  const dan = f32x4.mul(f32x4.mul(dht, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(nn, nn)));
  const daz = f32x4.mul(f32x4.mul(dht, f32x4.sub(ldv(hp + off, n), nn)), f32x4.mul(z, f32x4.sub(one, z)));
  const dar = f32x4.mul(f32x4.mul(dan, ldv(sv + off, n)), f32x4.mul(r, f32x4.sub(one, r)));
  stv(pr, dar, n); stv(pz, daz, n); stv(pn, dan, n);
  stv(wr, dar, n); stv(wz, daz, n); stv(wn, f32x4.mul(dan, r), n);
  stv(d + off, f32x4.mul(dht, z), n);
}

/**
 * gates [B,3H]: r, z, n in; ∂L/∂(input pre-activations) out. dGhh [B,3H]: ∂L/∂(h W_hhᵀ + b_hh) out (differs in
 * the n block: scaled by r). dh: as in the other cells; the caller adds dGhh·W_hh.
 */
export function gruBackward(
  gates: usize, dGhh: usize, hnSave: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32,
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
    for (; j + 4 <= H; j += 4) backwardChunk(gr, qr, bytes, sv, hp, d, o, <usize>j << 2, 4);
    if (j < H) backwardChunk(gr, qr, bytes, sv, hp, d, o, <usize>j << 2, H - j);
  }
}

// --------------------------------------------------------------- reset before ----
// The n block's recurrent product needs r first, so a step is: GEMM (r, z blocks) → gruRbGates → GEMM (n block
// on r⊙h) → gruRbForward; and backward: gruRbBackwardN → GEMM (q = dA_n·W_hn) → gruRbBackwardR → GEMM.

// @ts-ignore: decorator
@inline function rbGatesChunk(gr: usize, H: usize, hp: usize, q: usize, off: usize, n: i32): void {
  const pr = gr + off, pz = pr + H;
  const r = sigmoid4(ldv(pr, n));
  stv(pr, r, n);
  stv(pz, sigmoid4(ldv(pz, n)), n);
  stv(q + off, f32x4.mul(r, ldv(hp + off, n)), n);
}

/** gates [B,3H]: r, z pre-activations (complete) in, σ of them out; rh [B,H] = r ⊙ h_{t-1} (kept for backward). */
export function gruRbGates(gates: usize, hPrev: usize, rh: usize, B: i32, H: i32): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), hp = row(hPrev, b, H), q = row(rh, b, H);
    let j = 0;
    for (; j + 4 <= H; j += 4) rbGatesChunk(gr, bytes, hp, q, <usize>j << 2, 4);
    if (j < H) rbGatesChunk(gr, bytes, hp, q, <usize>j << 2, H - j);
  }
}

// @ts-ignore: decorator
@inline function rbForwardChunk(gz: usize, H: usize, hp: usize, hnx: usize, o: usize, off: usize, n: i32): void {
  const pz = gz + off, pn = pz + H;
  const nn = tanh4(ldv(pn, n));
  const h = f32x4.add(nn, f32x4.mul(ldv(pz, n), f32x4.sub(ldv(hp + off, n), nn)));
  stv(pn, nn, n);
  stv(hnx + off, h, n);
  stv(o + off, h, n);
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
    for (; j + 4 <= H; j += 4) rbForwardChunk(gz, bytes, hp, hnx, o, <usize>j << 2, 4);
    if (j < H) rbForwardChunk(gz, bytes, hp, hnx, o, <usize>j << 2, H - j);
  }
}

// @ts-ignore: decorator
@inline function rbBackwardNChunk(gz: usize, H: usize, hp: usize, d: usize, o: usize, off: usize, n: i32): void {
  const one = f32x4.splat(1);
  const pz = gz + off, pn = pz + H;
  let dht = ldv(d + off, n);
  if (o) dht = f32x4.add(dht, ldv(o + off, n));
  const z = ldv(pz, n), nn = ldv(pn, n);
  stv(pn, f32x4.mul(f32x4.mul(dht, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(nn, nn))), n);
  stv(pz, f32x4.mul(f32x4.mul(dht, f32x4.sub(ldv(hp + off, n), nn)), f32x4.mul(z, f32x4.sub(one, z))), n);
  stv(d + off, f32x4.mul(dht, z), n);
}

/** First half of the backward step: dA_z, dA_n into gates (r kept for gruRbBackwardR), dh ← dh_t ⊙ z. */
export function gruRbBackwardN(
  gates: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32, B: i32, H: i32, lens: usize, t: i32,
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
    for (; j + 4 <= H; j += 4) rbBackwardNChunk(gr + bytes, bytes, hp, d, o, <usize>j << 2, 4);
    if (j < H) rbBackwardNChunk(gr + bytes, bytes, hp, d, o, <usize>j << 2, H - j);
  }
}

// @ts-ignore: decorator
@inline function rbBackwardRChunk(gr: usize, q: usize, hp: usize, d: usize, off: usize, n: i32): void {
  const r = ldv(gr + off, n), qv = ldv(q + off, n);
  stv(gr + off, f32x4.mul(f32x4.mul(qv, ldv(hp + off, n)), f32x4.mul(r, f32x4.sub(f32x4.splat(1), r))), n);
  stv(d + off, f32x4.add(ldv(d + off, n), f32x4.mul(qv, r)), n);
}

/** Second half: q = dA_n·W_hn [B,H] in; dA_r = q⊙h_{t-1}⊙r(1 − r) into gates; dh += q⊙r. */
export function gruRbBackwardR(gates: usize, q: usize, hPrev: usize, dh: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), qb = row(q, b, H), hp = row(hPrev, b, H), d = row(dh, b, H);
    let j = 0;
    for (; j + 4 <= H; j += 4) rbBackwardRChunk(gr, qb, hp, d, <usize>j << 2, 4);
    if (j < H) rbBackwardRChunk(gr, qb, hp, d, <usize>j << 2, H - j);
  }
}
