// LSTM step, gate blocks in PyTorch's order i, f, g, o:
//   i, f, o = σ(a_i, a_f, a_o)   g = tanh(a_g)   c_t = f⊙c_{t-1} + i⊙g   h_t = o⊙tanh(c_t)
// Loops: whole vectors through the chunk inlined with n = 4, then the tail (see rnn.ts).

import { sigmoid4, tanh4 } from "../activations";
import { ldv, stv, isActive, row } from "../simd";

// @ts-ignore: decorator
@inline function forwardChunk(gi: usize, H: usize, cp: usize, cn: usize, hn: usize, o: usize, off: usize, n: i32): void {
  const pi = gi + off, pf = pi + H, pg = pf + H, po = pg + H; // H in bytes here
  const i = sigmoid4(ldv(pi, n));
  const f = sigmoid4(ldv(pf, n));
  const g = tanh4(ldv(pg, n));
  const og = sigmoid4(ldv(po, n));
  const c = f32x4.add(f32x4.mul(f, ldv(cp + off, n)), f32x4.mul(i, g));
  const h = f32x4.mul(og, tanh4(c));
  stv(pi, i, n); stv(pf, f, n); stv(pg, g, n); stv(po, og, n);
  stv(cn + off, c, n);
  stv(hn + off, h, n);
  stv(o + off, h, n);
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
    for (; j + 4 <= H; j += 4) forwardChunk(gi, bytes, cp, cn, hn, o, <usize>j << 2, 4);
    if (j < H) forwardChunk(gi, bytes, cp, cn, hn, o, <usize>j << 2, H - j);
  }
}

// @ts-ignore: decorator
@inline function backwardChunk(
  gi: usize, H: usize, cp: usize, cn: usize, d: usize, dcr: usize, o: usize, off: usize, n: i32,
): void {
  const one = f32x4.splat(1);
  const pi = gi + off, pf = pi + H, pg = pf + H, po = pg + H;
  let dht = ldv(d + off, n);
  if (o) dht = f32x4.add(dht, ldv(o + off, n));
  const i = ldv(pi, n), f = ldv(pf, n), g = ldv(pg, n), og = ldv(po, n);
  const tc = tanh4(ldv(cn + off, n));
  const dct = f32x4.add(ldv(dcr + off, n), f32x4.mul(f32x4.mul(dht, og), f32x4.sub(one, f32x4.mul(tc, tc))));
  stv(pi, f32x4.mul(f32x4.mul(dct, g), f32x4.mul(i, f32x4.sub(one, i))), n);
  stv(pf, f32x4.mul(f32x4.mul(dct, ldv(cp + off, n)), f32x4.mul(f, f32x4.sub(one, f))), n);
  stv(pg, f32x4.mul(f32x4.mul(dct, i), f32x4.sub(one, f32x4.mul(g, g))), n);
  stv(po, f32x4.mul(f32x4.mul(dht, tc), f32x4.mul(og, f32x4.sub(one, og))), n);
  stv(dcr + off, f32x4.mul(dct, f), n);
  stv(d + off, f32x4.splat(0), n);
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
    for (; j + 4 <= H; j += 4) backwardChunk(gi, bytes, cp, cn, d, dcr, o, <usize>j << 2, 4);
    if (j < H) backwardChunk(gi, bytes, cp, cn, d, dcr, o, <usize>j << 2, H - j);
  }
}
