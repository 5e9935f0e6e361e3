// The gradient-flow worker: for an RNN, a GRU and an LSTM on the same random input sequence, the norm of
// ∂L/∂h_t at every distance from a loss placed on the last step only, before and after clipping by global
// norm. The forward and backward passes (BPTT) and the per-step norms are the library's
// (layer.backward({ dhN, stateGradNorms: true })); this file only sets the experiment up.

import { init, RNN, GRU, LSTM, gradientNorm, type RecurrentLayer } from "wasm-rnn";
import type { CellFlow, CellName, FromGradientFlow, GradientFlowRequest } from "./protocol";

const INPUT_SIZE = 16;
const post = (message: FromGradientFlow) => self.postMessage(message);

const ready = init().then(({ build }) => post({ type: "ready", build }));

self.onmessage = async (event: MessageEvent<GradientFlowRequest>) => {
  const request = event.data;
  try {
    await ready;
    const started = performance.now();
    const cells = {} as Record<CellName, CellFlow>;
    let rnnSpectralRadius = NaN;
    const x = normals(request.seqLen * INPUT_SIZE, request.seed); // x_t ~ N(0, 1), shared by the three cells
    const direction = normals(request.hidden, request.seed + 1); // L = w·h_T with ‖w‖ = 1, so ‖∂L/∂h_T‖ = 1
    const norm = Math.hypot(...direction);
    for (let i = 0; i < direction.length; i++) direction[i] /= norm;
    for (const cell of ["rnn", "gru", "lstm"] as const) {
      const { flow, radius } = measure(cell, request, x, direction);
      cells[cell] = flow;
      if (cell === "rnn") rnnSpectralRadius = radius;
    }
    post({ type: "result", id: request.id, request, cells, rnnSpectralRadius, ms: performance.now() - started });
  } catch (e) {
    post({ type: "error", id: request?.id ?? null, message: e instanceof Error ? e.message : String(e) });
  }
};

function measure(cell: CellName, r: GradientFlowRequest, x: Float32Array, direction: Float32Array): { flow: CellFlow; radius: number } {
  const H = r.hidden, T = r.seqLen;
  const options = { inputSize: INPUT_SIZE, hiddenSize: H, seed: r.seed };
  const layer: RecurrentLayer = cell === "rnn" ? new RNN({ ...options, nonlinearity: r.nonlinearity }) : cell === "gru" ? new GRU(options) : new LSTM(options);
  try {
    const params = layer.torchParams();
    const whh = params.weight_hh_l0;
    for (let i = 0; i < whh.length; i++) whh[i] *= r.scale;
    // gate order: GRU r, z, n; LSTM i, f, g, o: rows H..2H are the update gate z / the forget gate f
    if (cell !== "rnn" && r.gateBias !== 0) {
      const bias = params.bias_ih_l0;
      for (let i = H; i < 2 * H; i++) bias[i] += r.gateBias;
    }
    layer.loadTorchParams(params);
    layer.forward(x, { seqLen: T, batch: 1 });
    const { stateGradNorms } = layer.backward({ dhN: direction, stateGradNorms: true });
    // ‖g‖: the global norm of all parameter gradients of this backward, computed in wasm
    const g = gradientNorm(layer);
    // clip_grad_norm_ scales every gradient by θ / (‖g‖ + 1e-6) when that is below 1
    const factor = Math.min(1, r.theta / (g + 1e-6));
    // column t of row 0 is ‖∂L/∂h_{t−1}‖ (the state entering step t), at distance T − t from the loss
    const before = [1];
    for (let d = 1; d <= T; d++) before.push(stateGradNorms![T - d]);
    const after = before.map((v) => v * factor);
    const radius = cell === "rnn" ? spectralRadius(whh, H) : NaN;
    return { flow: { before, after, gradNorm: g, clippedNorm: g * factor }, radius };
  } finally {
    layer.dispose();
  }
}

/** Seeded N(0, 1) values (mulberry32 + Box–Muller). */
function normals(n: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/**
 * ρ(W_hh) of the RNN, the growth rate of W_hh^k v (Gelfand's formula): the mean log growth of a vector under
 * repeated products, after a burn-in. A few hundred matrix-vector products of size H (H ≤ 256): < 20 ms.
 */
function spectralRadius(w: Float32Array, H: number): number {
  let v: Float32Array = normals(H, 99), u: Float32Array = new Float32Array(H);
  let logSum = 0, counted = 0;
  for (let k = 0; k < 240; k++) {
    for (let i = 0; i < H; i++) {
      let sum = 0;
      const row = i * H;
      for (let j = 0; j < H; j++) sum += w[row + j] * v[j];
      u[i] = sum;
    }
    let n = 0;
    for (let i = 0; i < H; i++) n += u[i] * u[i];
    n = Math.sqrt(n);
    if (!(n > 0)) return 0;
    if (k >= 80) {
      logSum += Math.log(n);
      counted++;
    }
    for (let i = 0; i < H; i++) u[i] /= n;
    [v, u] = [u, v];
  }
  return Math.exp(logSum / counted);
}
