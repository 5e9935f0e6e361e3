#!/usr/bin/env python3
"""PyTorch reference figures for issue 13's quantized streaming inference, on one native CPU core.

W1-int8 / W4-int8 are W1 / W4 (bench/common.mjs) with int8 weights: one nn.LSTM / nn.GRU, input 64,
hidden 256, batch 1, T = 256 steps in one call (time-major x [256, 1, 64], zero initial state),
reported in microseconds per step. Weights and inputs are the bench's own: the float32 weight sets
that bench/make-onnx.mjs writes to bench/models (lstm_i64_h256, gru_i64_h256) and the seeded inputs
of workloadInputs("W1") (xorshift32 fillUniform, seed 11, in [-1, 1)), so the outputs can be
compared with every peer's.

For each cell, in the same run, interleaved by blocks (each round runs every model in turn: a
--rewarm untimed calls, then --block timed calls; calls of one model back to back, because
alternating the oneDNN-quantized LSTM and GRU call by call makes each about 3x slower):

  - float32: the nn.LSTM / nn.GRU itself (rows W1 / W4, peer "pytorch");
  - qint8: torch.ao.quantization.quantize_dynamic(model, {nn.LSTM | nn.GRU}, dtype=torch.qint8)
    with the default dynamic qconfig (int8 weights per tensor, activations quantized to uint8 at
    run time, float32 state and gates), under the default quantized engine (rows W1-int8 /
    W4-int8, peer "pytorch-q", the rows bench/run.mjs shows); every other quantized engine this
    torch has is timed too and stored as extra rows (`"extra": true`, not shown in the table);
  - float16: quantize_dynamic(dtype=torch.float16) is tried and its error, if any, stored
    (it needs FBGEMM: Debian's python3-torch 1.13 is built without it).

Each quantized row stores maxAbsDiffVsF32: max |quantized - float32| over the output sequence and
h_T (and c_T for the LSTM) on the bench's inputs.

torch.set_num_threads(1), torch.set_num_interop_threads(1), torch.inference_mode(). Run pinned to
one core, with the single-threaded OpenBLAS (as bench/pytorch_w3.py), after bench/models exists
(node bench/make-onnx.mjs, or any `npm run bench`):

    node bench/make-onnx.mjs   # once: bench/models
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial taskset -c 1 /usr/bin/python3 bench/pytorch_quant.py

It writes bench/pytorch-quant.json, which bench/run.mjs reads and shows as stored rows
(`npm run bench -- --only W1,W1-int8,W4,W4-int8`). Options: --check prints the max |Δ| figures
and exits; --warmup, --rounds, --block, --rewarm, --out.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_machine import blas_summary, require_torch, stored_header  # noqa: E402

require_torch()
import torch  # noqa: E402
from torch import nn  # noqa: E402

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.join(BENCH_DIR, "models")
INPUT, HIDDEN, BATCH, STEPS = 64, 256, 1, 256
INPUT_SEED = 11  # workloadInputs("W1") and ("W4") in bench/common.mjs
CELLS = {  # workload of the float32 model, of the quantized one, weight set, module
    "lstm": ("W1", "W1-int8", "lstm_i64_h256", nn.LSTM),
    "gru": ("W4", "W4-int8", "gru_i64_h256", nn.GRU),
}
COMMAND = ("LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial taskset -c 1 "
           "/usr/bin/python3 bench/pytorch_quant.py")


def fill_uniform(n, seed, lo=-1.0, hi=1.0):
    """bench/common.mjs fillUniform: xorshift32, lo + (hi - lo) * s / 2^32, stored as float32."""
    s = (seed & 0xFFFFFFFF) or 1
    out = [0.0] * n
    for i in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[i] = lo + (hi - lo) * (s / 4294967296)
    return torch.tensor(out, dtype=torch.float32)


def read_weights(name):
    """bench/common.mjs readWeights: <name>.json (shapes, offsets) + <name>.bin (float32 LE)."""
    json_path = os.path.join(MODELS_DIR, f"{name}.json")
    if not os.path.exists(json_path):
        sys.exit(f"{json_path} is missing: run `node bench/make-onnx.mjs` (or `npm run bench`) first")
    with open(json_path) as f:
        index = json.load(f)["tensors"]
    with open(os.path.join(MODELS_DIR, f"{name}.bin"), "rb") as f:
        flat = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    return {k: flat[t["offset"]:t["offset"] + t["length"]].clone().reshape(t["shape"]) for k, t in index.items()}


class Layer(nn.Module):
    """One recurrent layer as a child module (quantize_dynamic swaps children, not the root)."""

    def __init__(self, cls):
        super().__init__()
        self.rnn = cls(INPUT, HIDDEN)

    def forward(self, x, state):
        return self.rnn(x, state)


def build(cell):
    _, _, weights, cls = CELLS[cell]
    model = Layer(cls)
    model.rnn.load_state_dict(read_weights(weights))
    return model.eval()


def zero_state(cell):
    h = torch.zeros(1, BATCH, HIDDEN)
    return (h, torch.zeros(1, BATCH, HIDDEN)) if cell == "lstm" else h


def outputs(model, cell, x):
    y, state = model(x, zero_state(cell))
    return [y] + (list(state) if cell == "lstm" else [state])


def max_abs_diff(a, b):
    return max((p - q).abs().max().item() for p, q in zip(a, b))


def quantize(model, cell, dtype, engine):
    torch.backends.quantized.engine = engine
    return torch.ao.quantization.quantize_dynamic(model, {CELLS[cell][3]}, dtype=dtype)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="print max |quantized - float32| per model and exit")
    ap.add_argument("--warmup", type=int, default=10, help="untimed calls per model before the rounds")
    ap.add_argument("--rounds", type=int, default=10, help="rounds; each runs every model's block in turn")
    ap.add_argument("--block", type=int, default=10, help="timed calls (256 steps each) per model per round")
    ap.add_argument("--rewarm", type=int, default=2, help="untimed calls before each block")
    ap.add_argument("--out", default=os.path.join(BENCH_DIR, "pytorch-quant.json"))
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    default_engine = torch.backends.quantized.engine
    engines = [default_engine] + [e for e in torch.backends.quantized.supported_engines if e not in ("none", default_engine)]
    x = fill_uniform(STEPS * BATCH * INPUT, INPUT_SEED).reshape(STEPS, BATCH, INPUT)

    # the models: (workload, peer, variant, cell, engine, module, extra)
    models, notes = [], {}
    with torch.inference_mode():
        for cell, (wl, wl_q, _, cls) in CELLS.items():
            f32 = build(cell)
            ref = outputs(f32, cell, x)
            models.append({"workload": wl, "peer": "pytorch", "variant": "float32", "cell": cell,
                           "engine": None, "model": f32, "extra": False})
            for engine in engines:
                q = quantize(f32, cell, torch.qint8, engine)
                if not type(q.rnn).__module__.startswith("torch.ao.nn.quantized.dynamic"):
                    raise RuntimeError(f"quantize_dynamic left {type(q.rnn)} unquantized")
                d = max_abs_diff(outputs(q, cell, x), ref)
                models.append({"workload": wl_q, "peer": "pytorch-q", "variant": f"quantize_dynamic qint8, engine {engine}",
                               "cell": cell, "engine": engine, "model": q, "extra": engine != default_engine,
                               "maxAbsDiffVsF32": d})
                print(f"{wl_q:<8} qint8   engine {engine:<8} max |q - f32| {d:.3e} (output, h_T{', c_T' if cell == 'lstm' else ''})")
            for engine in engines:
                try:
                    q16 = quantize(f32, cell, torch.float16, engine)
                    d = max_abs_diff(outputs(q16, cell, x), ref)
                    notes[f"{cell} float16 ({engine})"] = f"runs, max |fp16 - f32| {d:.3e} (not timed)"
                except Exception as e:  # noqa: BLE001 (the message is the finding)
                    notes[f"{cell} float16 ({engine})"] = f"not supported: {str(e).splitlines()[0]}"
                print(f"{wl_q:<8} float16 engine {engine:<8} {notes[f'{cell} float16 ({engine})']}")
        torch.backends.quantized.engine = default_engine
        if args.check:
            return

        source = (f"PyTorch {torch.__version__}, Python {platform.python_version()}, {torch.get_num_threads()} thread, "
                  f"quantized engines {torch.backends.quantized.supported_engines} (default {default_engine}), {blas_summary()}")
        print()
        print(source)
        print(f"affinity {sorted(os.sched_getaffinity(0))}, warmup {args.warmup}, {args.rounds} rounds of "
              f"{args.rewarm} untimed + {args.block} timed calls per model; I={INPUT} H={HIDDEN} B={BATCH} T={STEPS}")
        load_start = [round(v, 2) for v in os.getloadavg()]

        def call(m):
            if m["engine"]:
                torch.backends.quantized.engine = m["engine"]
            m["model"](x, zero_state(m["cell"]))

        for m in models:
            for _ in range(args.warmup):
                call(m)
            m["times"] = []
        for _ in range(args.rounds):
            for m in models:
                for _ in range(args.rewarm):
                    call(m)
                for _ in range(args.block):
                    t0 = time.perf_counter()
                    call(m)
                    m["times"].append((time.perf_counter() - t0) / STEPS * 1e6)
        torch.backends.quantized.engine = default_engine

    print()
    print(f"{'workload':<9} {'model':<40} {'median µs/step':>14} {'min':>8} {'max':>8} {'n':>4}")
    rows = []
    for m in models:
        med, lo, hi = statistics.median(m["times"]), min(m["times"]), max(m["times"])
        print(f"{m['workload']:<9} {m['variant']:<40} {med:>14.2f} {lo:>8.2f} {hi:>8.2f} {len(m['times']):>4}")
        row = {"workload": m["workload"], "peer": m["peer"], "variant": f"native, 1 thread, {m['variant']}, stored",
               "threads": 1, "unit": "µs/step", "median": round(med, 3), "min": round(lo, 3), "max": round(hi, 3),
               "n": len(m["times"])}
        if "maxAbsDiffVsF32" in m:
            row["maxAbsDiffVsF32"] = m["maxAbsDiffVsF32"]
        if m["extra"]:
            row["extra"] = True
        rows.append(row)
    print()
    for cell, (wl, wl_q, _, _) in CELLS.items():
        f32 = next(r for r in rows if r["workload"] == wl)
        for r in (r for r in rows if r["workload"] == wl_q):
            ratio = f32["median"] / r["median"]
            print(f"{wl_q}: {r['variant']}: {ratio:.2f}x the float32 speed ({'faster' if ratio > 1 else 'slower'})")

    out = {
        **stored_header(source, COMMAND),
        "loadAverageAtStart": load_start,
        "loadAverageAtEnd": [round(v, 2) for v in os.getloadavg()],
        "timing": f"warmup {args.warmup}; {args.rounds} rounds x {args.rewarm} untimed + {args.block} timed calls per model, models in turn",
        "inputs": f"bench/common.mjs workloadInputs('W1'): fillUniform seed {INPUT_SEED}, x [T={STEPS}, B={BATCH}, I={INPUT}]",
        "float16": notes,
        "rows": rows,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
