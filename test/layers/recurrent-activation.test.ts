// recurrentActivation "hardSigmoid" (GRU r, z; LSTM i, f, o = clip(0.2·x + 0.5, 0, 1)): forward outputs and
// BPTT gradients of small two-layer bidirectional stacks against a float64 reference written here, its
// gradients by central differences; the option's checks, defaults and its round trip through task model files.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, GRU, LSTM, RNN, Sequential, type RecurrentLayer } from "../../src/node.js";
import { TaskModel, decodeTaskModel, encodeTaskModel } from "../../src/tasks/node.js";

await init();

type Params = Record<string, Float64Array>;
type Kind = { name: string; cell: "gru" | "lstm"; resetAfter: boolean };
const KINDS: Kind[] = [
  { name: "LSTM", cell: "lstm", resetAfter: true },
  { name: "GRU", cell: "gru", resetAfter: true },
  { name: "GRU reset-before", cell: "gru", resetAfter: false },
];

function randoms(n: number, seed: number, scale: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1) * scale;
  }
  return out;
}

const hardSigmoid = (x: number) => Math.min(1, Math.max(0, 0.2 * x + 0.5));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** W [rows, cols] · v, rows from `first`. */
function matvec(W: Float64Array, cols: number, first: number, rows: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < cols; k++) s += W[(first + r) * cols + k] * v[k];
    out[r] = s;
  }
  return out;
}

/**
 * The float64 stack: x [T, B, I] time-major, zero initial states. Returns output [T, B, D·H], hN, cN
 * [L·D, B, H] and every σ-gate pre-activation it met (to check that the test reaches both clipped regions).
 */
function reference(k: Kind, p: Params, x: Float64Array, T: number, B: number, I: number, H: number, L: number, hard: boolean) {
  const act = hard ? hardSigmoid : sigmoid, D = 2, pre: number[] = [];
  let input = x, width = I;
  const hN = new Float64Array(L * D * B * H), cN = new Float64Array(L * D * B * H);
  for (let l = 0; l < L; l++) {
    const out = new Float64Array(T * B * D * H);
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d ? "_reverse" : ""}`;
      const wih = p[`weight_ih${s}`], whh = p[`weight_hh${s}`], bih = p[`bias_ih${s}`], bhh = p[`bias_hh${s}`];
      for (let b = 0; b < B; b++) {
        let h: Float64Array = new Float64Array(H), c: Float64Array = new Float64Array(H);
        for (let step = 0; step < T; step++) {
          const t = d ? T - 1 - step : step;
          const xt = input.subarray((t * B + b) * width, (t * B + b + 1) * width);
          const G = k.cell === "lstm" ? 4 : 3;
          const gx = matvec(wih, width, 0, G * H, xt);
          for (let j = 0; j < G * H; j++) gx[j] += bih[j];
          const nh = new Float64Array(H), nc = new Float64Array(H);
          if (k.cell === "lstm") {
            const gh = matvec(whh, H, 0, 4 * H, h);
            for (let j = 0; j < H; j++) {
              const a = (q: number) => gx[q * H + j] + gh[q * H + j] + bhh[q * H + j];
              pre.push(a(0), a(1), a(3));
              const i = act(a(0)), f = act(a(1)), g = Math.tanh(a(2)), o = act(a(3));
              nc[j] = f * c[j] + i * g;
              nh[j] = o * Math.tanh(nc[j]);
            }
          } else {
            const gh = matvec(whh, H, 0, 2 * H, h);
            const r = new Float64Array(H), z = new Float64Array(H);
            for (let j = 0; j < H; j++) {
              const ar = gx[j] + gh[j] + bhh[j], az = gx[H + j] + gh[H + j] + bhh[H + j];
              pre.push(ar, az);
              r[j] = act(ar);
              z[j] = act(az);
            }
            const rh = k.resetAfter ? h : h.map((v, j) => r[j] * v);
            const hn = matvec(whh, H, 2 * H, H, rh);
            for (let j = 0; j < H; j++) {
              const n = Math.tanh(gx[2 * H + j] + (k.resetAfter ? r[j] * (hn[j] + bhh[2 * H + j]) : hn[j] + bhh[2 * H + j]));
              nh[j] = (1 - z[j]) * n + z[j] * h[j];
            }
          }
          h = nh;
          c = nc;
          out.set(h, (t * B + b) * D * H + d * H);
        }
        hN.set(h, ((l * D + d) * B + b) * H);
        cN.set(c, ((l * D + d) * B + b) * H);
      }
    }
    input = out;
    width = D * H;
  }
  return { output: input, hN, cN, pre };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function close(got: ArrayLike<number>, want: ArrayLike<number>, abs: number, rel: number, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = abs + rel * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.unreachable(`${what}[${i}]: got ${got[i]}, want ${want[i]} (tolerance ${tol})`);
  }
}

for (const k of KINDS) {
  test(`${k.name} recurrentActivation "hardSigmoid": forward and BPTT gradients match a float64 reference (2 layers, bidirectional)`, () => {
    const T = 5, B = 2, I = 3, H = 5, L = 2;
    const make = (hard: boolean): RecurrentLayer => {
      const o = { inputSize: I, hiddenSize: H, numLayers: L, bidirectional: true, ...(hard ? { recurrentActivation: "hardSigmoid" as const } : {}) };
      return k.cell === "lstm" ? new LSTM(o) : new GRU({ ...o, resetAfter: k.resetAfter });
    };
    const layer = make(true), plain = make(false);
    // weights large enough that gate pre-activations reach both clipped regions (|x| > 2.5) and the slope between
    const p64: Params = {};
    let seed = 11;
    for (const [name, shape] of Object.entries(layer.parameterShapes())) p64[name] = randoms(shape.reduce((a, b) => a * b, 1), seed++, 1.6);
    const p32 = Object.fromEntries(Object.entries(p64).map(([n, v]) => [n, Float32Array.from(v)]));
    layer.loadTorchParams(p32);
    plain.loadTorchParams(p32);
    // the reference takes the float32-rounded values the layer holds
    for (const n of Object.keys(p64)) p64[n] = Float64Array.from(p32[n]);
    const x = Float64Array.from(Float32Array.from(randoms(T * B * I, 3, 2)));
    const dOut = Float64Array.from(Float32Array.from(randoms(T * B * 2 * H, 4, 1)));
    const dhN = Float64Array.from(Float32Array.from(randoms(L * 2 * B * H, 5, 1)));
    const dcN = Float64Array.from(Float32Array.from(randoms(L * 2 * B * H, 6, 1)));
    const lstm = k.cell === "lstm";

    const ref = reference(k, p64, x, T, B, I, H, L, true);
    assert.ok(ref.pre.some((a) => a < -2.5) && ref.pre.some((a) => a > 2.5), "some gates saturate at 0 and at 1");
    assert.ok(ref.pre.filter((a) => Math.abs(a) < 2.5).length > ref.pre.length / 4, "many gates on the slope");

    const got = layer.forward(Float32Array.from(x), { seqLen: T, batch: B });
    close(got.output, ref.output, 2e-6, 2e-5, `${k.name} output`);
    close(got.hN, ref.hN, 2e-6, 2e-5, `${k.name} hN`);
    if (lstm) close(got.cN!, ref.cN, 2e-6, 2e-5, `${k.name} cN`);
    // the σ layer with the same weights computes something else (the option is not ignored)
    const sig = plain.forward(Float32Array.from(x), { seqLen: T, batch: B });
    assert.ok(Math.max(...sig.output.map((v, i) => Math.abs(v - got.output[i]))) > 0.05, "hard sigmoid differs from σ");

    const g = layer.backward({ dOutput: Float32Array.from(dOut), dhN: Float32Array.from(dhN), ...(lstm ? { dcN: Float32Array.from(dcN) } : {}) });
    const loss = (pp: Params, xx: Float64Array) => {
      const r = reference(k, pp, xx, T, B, I, H, L, true);
      return dot(r.output, dOut) + dot(r.hN, dhN) + (lstm ? dot(r.cN, dcN) : 0);
    };
    const eps = 1e-6;
    const numeric = (v: Float64Array, f: () => number) => {
      const out = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const keep = v[i];
        v[i] = keep + eps;
        const up = f();
        v[i] = keep - eps;
        const down = f();
        v[i] = keep;
        out[i] = (up - down) / (2 * eps);
      }
      return out;
    };
    for (const name of Object.keys(p64)) close(g.grads[name], numeric(p64[name], () => loss(p64, x)), 2e-5, 1e-4, `${k.name} ∂L/∂${name}`);
    close(g.dx, numeric(x, () => loss(p64, x)), 2e-5, 1e-4, `${k.name} ∂L/∂x`);
    layer.dispose();
    plain.dispose();
  });
}

test("recurrentActivation: default sigmoid, checked values, not an RNN option, kept out of σ layers' options", () => {
  const lstm = new LSTM({ inputSize: 2, hiddenSize: 3 });
  assert.is(lstm.config.recurrentActivation, "sigmoid");
  lstm.dispose();
  const gru = new GRU({ inputSize: 2, hiddenSize: 3, recurrentActivation: "hardSigmoid" });
  assert.is(gru.config.recurrentActivation, "hardSigmoid");
  gru.dispose();
  for (const bad of ["hard_sigmoid", "relu", 1]) {
    assert.throws(() => new LSTM({ inputSize: 2, hiddenSize: 3, recurrentActivation: bad as never }),
      (e: Error) => /LSTM option recurrentActivation must be "sigmoid" or "hardSigmoid", got/.test(e.message), String(bad));
  }
  assert.throws(() => new RNN({ inputSize: 2, hiddenSize: 3, recurrentActivation: "hardSigmoid" } as never), /recurrentActivation/);
  assert.throws(() => Sequential.fromConfig([{ name: "rnn", type: "GRU", inputSize: 2, hiddenSize: 3, recurrentActivation: "tanh" as never }]),
    /recurrentActivation must be "sigmoid" or "hardSigmoid", got "tanh"/);
  assert.throws(() => Sequential.fromConfig([{ name: "rnn", type: "RNN", inputSize: 2, hiddenSize: 3, recurrentActivation: "hardSigmoid" } as never]),
    /recurrentActivation/);
  // σ layers' module configurations (and so their files) have no recurrentActivation key, as before the option
  const seq = Sequential.fromConfig([{ name: "rnn", type: "LSTM", inputSize: 2, hiddenSize: 3 }]);
  assert.not.ok("recurrentActivation" in seq.modules[0]);
  seq.dispose();
});

test("a task model with hardSigmoid GRU and LSTM modules round-trips through its file; a file without the key loads as sigmoid", async () => {
  const modules = [
    { name: "gru", type: "GRU" as const, inputSize: 3, hiddenSize: 4, recurrentActivation: "hardSigmoid" as const },
    { name: "lstm", type: "LSTM" as const, inputSize: 4, hiddenSize: 4, recurrentActivation: "hardSigmoid" as const },
    { name: "pool", type: "Pool" as const, mode: "last" as const },
    { name: "fc", type: "Linear" as const, inFeatures: 4, outFeatures: 2 },
  ];
  const model = new TaskModel(Sequential.fromConfig(modules, { seed: 3 }), { task: "regress" });
  const bytes = await encodeTaskModel(model);
  const back = await decodeTaskModel(bytes, "hard.wrnn");
  assert.equal(back.model.modules, model.model.modules);
  assert.is((back.model.modules[0] as { recurrentActivation?: string }).recurrentActivation, "hardSigmoid");
  const x = Float32Array.from(randoms(6 * 2 * 3, 9, 2));
  const a = model.model.forward(x, { seqLen: 6, batch: 2 }).output, b = back.model.forward(x, { seqLen: 6, batch: 2 }).output;
  assert.equal([...b], [...a]);
  // the same weights under σ gates: what an old file (no key) of this model would load as, and it differs
  const sigmoidModules = modules.map(({ recurrentActivation: _r, ...m }) => m);
  const plain = Sequential.fromConfig(sigmoidModules as never, { seed: 3 });
  const explicit = Sequential.fromConfig(modules.map((m) => ("recurrentActivation" in m ? { ...m, recurrentActivation: "sigmoid" as const } : m)), { seed: 3 });
  assert.equal(explicit.modules, plain.modules, "an explicit sigmoid is the default (and is not written out)");
  const oldFile = await decodeTaskModel(await encodeTaskModel(new TaskModel(plain, { task: "regress" })), "old.wrnn");
  for (const s of [plain, explicit, oldFile.model]) s.loadTorchParams(model.model.torchParams());
  const c = plain.forward(x, { seqLen: 6, batch: 2 }).output;
  assert.ok(c.some((v, i) => v !== a[i]), "σ gates give other outputs");
  assert.equal([...explicit.forward(x, { seqLen: 6, batch: 2 }).output], [...c]);
  assert.equal([...oldFile.model.forward(x, { seqLen: 6, batch: 2 }).output], [...c]);
  for (const m of [model, back, oldFile]) m.dispose();
  explicit.dispose();
});

test.run();
