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
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

from torch_machine import blas_summary, machine, require_torch

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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="print one step's loss per cell and exit")
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
        "source": source,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": COMMAND,
        "rows": rows,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
