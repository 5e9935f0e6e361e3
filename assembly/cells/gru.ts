// GRU step, gate blocks in PyTorch's order r, z, n:
//   r = σ(a_r)   z = σ(a_z)   h_t = z⊙h_{t-1} + (1 − z)⊙n   (written n + z⊙(h_{t-1} − n))
// reset after  (PyTorch / cuDNN): n = tanh(x W_inᵀ + b_in + r⊙(h_{t-1} W_hnᵀ + b_hn))
// reset before (textbook / Keras): n = tanh(x W_inᵀ + b_in + (r⊙h_{t-1}) W_hnᵀ + b_hn)

import { sigmoid4, tanh4 } from "../activations";
import { ldv, stv, isActive, row } from "../simd";

// ---------------------------------------------------------------- reset after ----

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
    const gr = row(gates, b, 3 * H), gz = gr + bytes, gn = gz + bytes;
    const hr = row(hh, b, 3 * H), hz = hr + bytes, hn = hz + bytes;
    const sv = row(hnSave, b, H);
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j), off = <usize>j << 2;
      let ar = f32x4.add(ldv(gr + off, n), ldv(hr + off, n));
      let az = f32x4.add(ldv(gz + off, n), ldv(hz + off, n));
      let hnv = ldv(hn + off, n);
      if (bhh) {
        ar = f32x4.add(ar, ldv(bhh + off, n));
        az = f32x4.add(az, ldv(bhh + bytes + off, n));
        hnv = f32x4.add(hnv, ldv(bhh + 2 * bytes + off, n));
      }
      const r = sigmoid4(ar), z = sigmoid4(az);
      const nn = tanh4(f32x4.add(ldv(gn + off, n), f32x4.mul(r, hnv)));
      const h = f32x4.add(nn, f32x4.mul(z, f32x4.sub(ldv(hp + off, n), nn)));
      stv(gr + off, r, n); stv(gz + off, z, n); stv(gn + off, nn, n);
      stv(sv + off, hnv, n);
      stv(hnx + off, h, n);
      stv(o + off, h, n);
    }
  }
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
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), gz = gr + bytes, gn = gz + bytes;
    const qr = row(dGhh, b, 3 * H), qz = qr + bytes, qn = qz + bytes;
    if (!isActive(lens, b, t)) {
      memory.fill(gr, 0, 3 * bytes);
      memory.fill(qr, 0, 3 * bytes);
      continue;
    }
    const d = row(dh, b, H), hp = row(hPrev, b, H), sv = row(hnSave, b, H);
    const o = dOut ? row(dOut, b, ldo) : 0;
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j), off = <usize>j << 2;
      let dht = ldv(d + off, n);
      if (o) dht = f32x4.add(dht, ldv(o + off, n));
      const r = ldv(gr + off, n), z = ldv(gz + off, n), nn = ldv(gn + off, n);
      const dan = f32x4.mul(f32x4.mul(dht, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(nn, nn)));
      const daz = f32x4.mul(f32x4.mul(dht, f32x4.sub(ldv(hp + off, n), nn)), f32x4.mul(z, f32x4.sub(one, z)));
      const dar = f32x4.mul(f32x4.mul(dan, ldv(sv + off, n)), f32x4.mul(r, f32x4.sub(one, r)));
      stv(gr + off, dar, n); stv(gz + off, daz, n); stv(gn + off, dan, n);
      stv(qr + off, dar, n); stv(qz + off, daz, n); stv(qn + off, f32x4.mul(dan, r), n);
      stv(d + off, f32x4.mul(dht, z), n);
    }
  }
}

// --------------------------------------------------------------- reset before ----
// The n block's recurrent product needs r first, so a step is: GEMM (r, z blocks) → gruRbGates → GEMM (n block
// on r⊙h) → gruRbForward; and backward: gruRbBackwardN → GEMM (q = dA_n·W_hn) → gruRbBackwardR → GEMM.

/** gates [B,3H]: r, z pre-activations (complete) in, σ of them out; rh [B,H] = r ⊙ h_{t-1} (kept for backward). */
export function gruRbGates(gates: usize, hPrev: usize, rh: usize, B: i32, H: i32): void {
  const bytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), gz = gr + bytes, hp = row(hPrev, b, H), q = row(rh, b, H);
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j), off = <usize>j << 2;
      const r = sigmoid4(ldv(gr + off, n));
      stv(gr + off, r, n);
      stv(gz + off, sigmoid4(ldv(gz + off, n)), n);
      stv(q + off, f32x4.mul(r, ldv(hp + off, n)), n);
    }
  }
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
    const gz = row(gates, b, 3 * H) + bytes, gn = gz + bytes;
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j), off = <usize>j << 2;
      const nn = tanh4(ldv(gn + off, n));
      const h = f32x4.add(nn, f32x4.mul(ldv(gz + off, n), f32x4.sub(ldv(hp + off, n), nn)));
      stv(gn + off, nn, n);
      stv(hnx + off, h, n);
      stv(o + off, h, n);
    }
  }
}

/** First half of the backward step: dA_z, dA_n into gates (r kept for gruRbBackwardR), dh ← dh_t ⊙ z. */
export function gruRbBackwardN(
  gates: usize, hPrev: usize, dh: usize, dOut: usize, ldo: i32, B: i32, H: i32, lens: usize, t: i32,
): void {
  const bytes = <usize>H << 2;
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), gz = gr + bytes, gn = gz + bytes;
    if (!isActive(lens, b, t)) {
      memory.fill(gr, 0, 3 * bytes); // r = 0 makes the second half a no-op for this row
      continue;
    }
    const d = row(dh, b, H), hp = row(hPrev, b, H);
    const o = dOut ? row(dOut, b, ldo) : 0;
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j), off = <usize>j << 2;
      let dht = ldv(d + off, n);
      if (o) dht = f32x4.add(dht, ldv(o + off, n));
      const z = ldv(gz + off, n), nn = ldv(gn + off, n);
      const dan = f32x4.mul(f32x4.mul(dht, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(nn, nn)));
      const daz = f32x4.mul(f32x4.mul(dht, f32x4.sub(ldv(hp + off, n), nn)), f32x4.mul(z, f32x4.sub(one, z)));
      stv(gz + off, daz, n); stv(gn + off, dan, n);
      stv(d + off, f32x4.mul(dht, z), n);
    }
  }
}

/** Second half: q = dA_n·W_hn [B,H] in; dA_r = q⊙h_{t-1}⊙r(1 − r) into gates; dh += q⊙r. */
export function gruRbBackwardR(gates: usize, q: usize, hPrev: usize, dh: usize, B: i32, H: i32): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const gr = row(gates, b, 3 * H), qb = row(q, b, H), hp = row(hPrev, b, H), d = row(dh, b, H);
    for (let j = 0; j < H; j += 4) {
      const n = min(4, H - j), off = <usize>j << 2;
      const r = ldv(gr + off, n), qv = ldv(qb + off, n);
      stv(gr + off, f32x4.mul(f32x4.mul(qv, ldv(hp + off, n)), f32x4.mul(r, f32x4.sub(one, r))), n);
      stv(d + off, f32x4.add(ldv(d + off, n), f32x4.mul(qv, r)), n);
    }
  }
}
