#!/usr/bin/env python3
"""PyTorch reference figures for benchmark workload W3, on one native CPU core.

W3 is one training step of the d2l.ai character language model (the concise RNNModel of
chapter 9 and train_epoch_ch8):

  - inputs: token ids (B, T) -> one-hot (T, B, 28) float32 (batch_first=False);
  - one recurrent layer, hidden 256: nn.RNN (tanh), nn.GRU or nn.LSTM, with the hidden state
    passed in (zeros, as begin_state gives);
  - Linear(256 -> 28) on every position, mean cross-entropy over all T*B positions;
  - zero_grad, forward, backward, clip_grad_norm_(params, 1), SGD(lr=1).step().

B = 32, T = 35 (1,120 tokens per step). float32, torch.set_num_threads(1),
torch.set_num_interop_threads(1), seeded, random token ids.

Run pinned to one core:

    taskset -c 1 /usr/bin/python3 bench/pytorch_w3.py

(Debian's python3-torch lives in /usr/bin/python3's dist-packages; if `python3` on PATH is
another interpreter without torch, this script re-executes itself under /usr/bin/python3,
which keeps the taskset affinity.)

Options: --check prints the loss of one step per cell (a sanity check: about ln 28 = 3.33 at
initialisation) and exits; --warmup, --steps, --out.

--serve: the same step as a cell of `npm run bench` (bench/run.mjs starts it when a Python with torch is
found, pinned to the CPU of the single-threaded cells, with the serial OpenBLAS first on LD_LIBRARY_PATH).
It reads one JSON request per line on stdin and answers one JSON line on stdout, as bench/worker.mjs does
over IPC: setup (workload, weight files, token ids: the same weights and inputs as every other peer) →
check (two steps' losses) → warmup → repeat (timed calls, interleaved by run.mjs with the other peers' repeats,
so the figures are of the same sitting) → stats.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

from torch_machine import blas_summary, require_torch, stored_header

require_torch()
import torch
from torch import nn
import torch.nn.functional as F

VOCAB = 28
HIDDEN = 256
BATCH = 32
STEPS = 35
LR = 1.0
CLIP = 1.0
SEED = 0
CELLS = ("lstm", "gru", "rnn")
COMMAND = "taskset -c 1 /usr/bin/python3 bench/pytorch_w3.py"


class RNNModel(nn.Module):
    """d2l's concise RNNModel: one-hot inputs, one recurrent layer, a linear head."""

    def __init__(self, cell):
        super().__init__()
        if cell == "rnn":
            self.rnn = nn.RNN(VOCAB, HIDDEN, nonlinearity="tanh")
        elif cell == "gru":
            self.rnn = nn.GRU(VOCAB, HIDDEN)
        elif cell == "lstm":
            self.rnn = nn.LSTM(VOCAB, HIDDEN)
        else:
            raise ValueError(cell)
        self.cell = cell
        self.linear = nn.Linear(HIDDEN, VOCAB)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), VOCAB).to(torch.float32)  # (T, B, V)
        Y, state = self.rnn(X, state)
        output = self.linear(Y.reshape((-1, Y.shape[-1])))  # (T*B, V)
        return output, state

    def begin_state(self, batch_size):
        h = torch.zeros((1, batch_size, HIDDEN), dtype=torch.float32)
        if self.cell == "lstm":
            return (h, torch.zeros((1, batch_size, HIDDEN), dtype=torch.float32))
        return h


def make_step(model):
    loss_fn = nn.CrossEntropyLoss()  # mean over all T*B positions
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    params = [p for p in model.parameters() if p.requires_grad]

    def step(X, Y):
        state = model.begin_state(X.shape[0])
        y = Y.T.reshape(-1)
        y_hat, state = model(X, state)
        loss = loss_fn(y_hat, y.long()).mean()
        opt.zero_grad()
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(params, CLIP)
        opt.step()
        return loss, grad_norm

    return step


def make_batches(n=8):
    g = torch.Generator().manual_seed(SEED + 1)
    return [
        (torch.randint(0, VOCAB, (BATCH, STEPS), generator=g),
         torch.randint(0, VOCAB, (BATCH, STEPS), generator=g))
        for _ in range(n)
    ]


def build(cell):
    torch.manual_seed(SEED)
    model = RNNModel(cell)
    model.train()
    return model, make_step(model)


def check():
    batches = make_batches()
    for cell in CELLS:
        model, step = build(cell)
        X, Y = batches[0]
        loss0, gnorm = step(X, Y)
        with torch.no_grad():
            y_hat, _ = model(X, model.begin_state(BATCH))
            loss1 = F.cross_entropy(y_hat, Y.T.reshape(-1).long())
        n_params = sum(p.numel() for p in model.parameters())
        print(f"W3-{cell:<4} params {n_params:>7}  loss {loss0.item():.6f}  "
              f"grad norm before clip {gnorm.item():.6f}  loss after one SGD step (same batch) {loss1.item():.6f}")
    print(f"(ln {VOCAB} = {__import__('math').log(VOCAB):.6f})")


def time_cell(cell, warmup, steps, batches):
    model, step = build(cell)
    for i in range(warmup):
        X, Y = batches[i % len(batches)]
        step(X, Y)
    times = []
    for i in range(steps):
        X, Y = batches[i % len(batches)]
        t0 = time.perf_counter()
        loss, _ = step(X, Y)
        t1 = time.perf_counter()
        times.append((t1 - t0) * 1e3)
        if not torch.isfinite(loss):
            raise RuntimeError(f"{cell}: non-finite loss")
    return times


def load_weight_set(model, base):
    """bench/models/<name>.json + .bin (float32, written by bench/make-onnx.mjs) under the library's names
    (rnn.*, fc.*) into d2l's RNNModel (rnn.*, linear.*)."""
    with open(base + ".json") as f:
        index = json.load(f)["tensors"]
    with open(base + ".bin", "rb") as f:
        raw = f.read()
    flat = torch.frombuffer(bytearray(raw), dtype=torch.float32)
    state = {}
    for name, t in index.items():
        key = "linear." + name[3:] if name.startswith("fc.") else name
        state[key] = flat[t["offset"]:t["offset"] + t["length"]].reshape(t["shape"]).clone()
    model.load_state_dict(state)


def serve():
    """JSON lines on stdin/stdout: see --serve in the module's docstring."""
    step = None
    batch = None

    def run():
        loss, _ = step(*batch)
        return loss.item()

    def handle(msg):
        nonlocal step, batch
        kind = msg["type"]
        if kind == "setup":
            cell = msg["workload"].split("-", 1)[1]
            torch.manual_seed(SEED)
            model = RNNModel(cell)
            model.train()
            load_weight_set(model, msg["weights"])
            step = make_step(model)
            T, B = msg["T"], msg["B"]
            # the bench's ids are time-major [T, B]; the model takes [B, T] as d2l's data iterator gives them
            X = torch.tensor(msg["tokens"], dtype=torch.int64).reshape(T, B).T.contiguous()
            Y = torch.tensor(msg["targets"], dtype=torch.int64).reshape(T, B).T.contiguous()
            batch = (X, Y)
            return {"info": {"source": f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread, {blas_summary()}",
                             "affinity": sorted(os.sched_getaffinity(0))}}
        if kind == "check":
            return {"data": {"loss": [run(), run()]}}
        if kind == "warmup":
            started = time.perf_counter()
            times = []
            while len(times) < msg["minCalls"] or (time.perf_counter() - started) * 1e3 < msg["minMs"]:
                t0 = time.perf_counter()
                run()
                times.append(time.perf_counter() - t0)
                if (time.perf_counter() - started) * 1e3 > msg["maxMs"] and times:
                    break
            tail = sorted(times[len(times) // 2:])
            return {"calls": len(times), "secondsPerCall": tail[len(tail) // 2], "seconds": time.perf_counter() - started}
        if kind == "repeat":
            iters = msg["iters"]
            t0 = time.perf_counter()
            for _ in range(iters):
                step(*batch)
            seconds = time.perf_counter() - t0
            return {"seconds": seconds, "secondsPerCall": seconds / iters}
        if kind == "stats":
            import resource
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            return {"maxRSS": rss}
        raise ValueError(f"unknown request {kind!r}")

    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        try:
            reply = {"id": msg["id"], "ok": True, "result": handle(msg)}
        except Exception as e:  # reported to run.mjs, which marks the cell failed
            reply = {"id": msg["id"], "ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def profile(warmup, steps):
    """Where PyTorch's step spends its time (the counterpart of bench/profile-w3.mjs): self CPU time per op."""
    from torch.profiler import ProfilerActivity, profile as torch_profile

    batches = make_batches()
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread, {blas_summary()}")
    for cell in CELLS:
        model, step = build(cell)
        for i in range(warmup):
            step(*batches[i % len(batches)])
        t0 = time.perf_counter()
        for i in range(steps):
            step(*batches[i % len(batches)])
        plain = (time.perf_counter() - t0) * 1e3 / steps
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            for i in range(steps):
                step(*batches[i % len(batches)])
        events = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
        total = sum(e.self_cpu_time_total for e in events) / 1e3 / steps
        print(f"\nW3-{cell}: {plain:.2f} ms per step without the profiler ({total:.2f} ms of self CPU time per step with it)")
        print(f"  {'op':<44} {'ms/step':>8} {'share':>6} {'calls/step':>10}")
        for e in events[:14]:
            ms = e.self_cpu_time_total / 1e3 / steps
            print(f"  {e.key:<44} {ms:>8.2f} {ms / total * 100:>5.1f}% {e.count / steps:>10.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="print one step's loss per cell and exit")
    ap.add_argument("--serve", action="store_true", help="serve bench/run.mjs's requests on stdin/stdout (JSON lines)")
    ap.add_argument("--profile", action="store_true", help="torch.profiler: self CPU time per op over --steps steps, per cell")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch-w3.json"))
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.set_default_dtype(torch.float32)

    if args.check:
        check()
        return
    if args.serve:
        serve()
        return
    if args.profile:
        profile(args.warmup, args.steps)
        return

    batches = make_batches()
    tokens = BATCH * STEPS
    source = (f"PyTorch {torch.__version__}, Python {platform.python_version()}, "
              f"{torch.get_num_threads()} thread, {blas_summary()}")
    print(source)
    print(f"affinity {sorted(os.sched_getaffinity(0))}, warmup {args.warmup}, timed steps {args.steps}, "
          f"B={BATCH} T={STEPS} H={HIDDEN} V={VOCAB}")
    print()
    print(f"{'workload':<9} {'median ms':>10} {'min ms':>9} {'max ms':>9} {'tokens/s':>10} {'n':>4}")

    rows = []
    for cell in CELLS:
        times = time_cell(cell, args.warmup, args.steps, batches)
        med, lo, hi = statistics.median(times), min(times), max(times)
        wl = f"W3-{cell}"
        print(f"{wl:<9} {med:>10.2f} {lo:>9.2f} {hi:>9.2f} {tokens / med * 1e3:>10.0f} {len(times):>4}")
        base = {"workload": wl, "peer": "pytorch", "variant": "native, 1 thread, stored", "threads": 1}
        rows.append({**base, "unit": "ms", "median": round(med, 3), "min": round(lo, 3),
                     "max": round(hi, 3), "n": len(times)})
        rows.append({**base, "unit": "tokens/s", "median": round(tokens / med * 1e3, 1),
                     "min": round(tokens / hi * 1e3, 1), "max": round(tokens / lo * 1e3, 1), "n": len(times)})

    out = {
        **stored_header(source, COMMAND),
        "rows": rows,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
