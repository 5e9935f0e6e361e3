#!/usr/bin/env python3
"""PyTorch reference figures for the task benchmarks (bench/tasks/README.md), on one native CPU core.

Trains the two task models with the settings of bench/tasks/README.md on the data that
bench/tasks/data.mjs prepares (the same token ids, split and windows: `node bench/tasks/data.mjs
--export` writes them to bench/tasks/cache/, gitignored; this script runs it when they are missing),
and times one training step of the benchmark workloads W5 and W6 (bench/common.mjs):

  spam    Embedding(20002, 32) -> bidirectional LSTM(32, 128) over the valid steps (packed) -> max
          over the valid steps of the [T, B, 256] outputs -> Dropout(0.3) -> Linear(256, 2); cross-entropy,
          Adam lr 2e-3, batch 32, gradient norm clipped to 1, on the training part minus the validation part
          (604 messages, data.mjs); after each epoch the validation F1, the best epoch's weights kept, stop
          after 2 epochs without improvement or 6 epochs; accuracy, precision / recall / F1 (spam positive) on
          the 20 % test part, once, with the kept weights.
  births  LSTM(3, 64) over 56 days [births normalised, sin, cos of 2*pi*dow/7] -> the last step's output
          -> Linear(64, 28): the next 28 days, normalised; MSE, Adam lr 1e-3, batch 64, 40 epochs; the
          epoch with the lowest MAE on the 2013 windows is kept, MAE per horizon on the 2014 windows.
  W5, W6  one training step (forward, backward, Adam) of the spam model at vocabulary 100 with mean
          pooling, batch 32, bench/common.mjs's lengths 8..64 (1,040 tokens), and of the births model at batch 64.

Batch order: the training examples are permuted each epoch with mulberry32(seed + epoch) and
Fisher-Yates (seed 1000 for spam, 2000 for births), as the wasm-rnn scripts do; the last batch of an
epoch may be smaller. Initial weights: PyTorch's own initialisation, torch.manual_seed(0).

float32, torch.set_num_threads(1), torch.set_num_interop_threads(1). Run pinned to one core with
Debian's single-threaded OpenBLAS: python3-torch and libopenblas0-serial from apt, the serial library
chosen for this process only by LD_LIBRARY_PATH (the system's libblas.so.3 alternative stays
openblas-pthread):

    apt-get install python3-torch libopenblas0-serial
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial \\
        taskset -c 1 /usr/bin/python3 bench/tasks/pytorch_tasks.py

(torch is in /usr/bin/python3's dist-packages; if `python3` on PATH is another interpreter without torch,
the script re-executes itself under /usr/bin/python3, which keeps the affinity and the environment.)

With "steps", the first two losses of W5 and W6 on bench/models' weights and bench/common.mjs's inputs
are stored too (workloadLosses), when bench/models exists (npm run bench writes it).

Options: --only spam,births,steps; --epochs-spam, --epochs-births; --out (default
bench/tasks/pytorch-tasks.json; with --only, the other parts of an existing file are kept, and the run's
source, date and command are stored inside the part it wrote, e.g. spam.run); spam's knobs, defaults =
the chosen configuration: --max-tokens 256, --dropout 0.3, --embed-dropout 0, --[no-]class-weights,
--patience 2.
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # bench/torch_machine.py
from torch_machine import blas_summary, machine, require_torch  # noqa: E402

require_torch()
import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(HERE, "cache")
COMMAND = ("LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial "
           "taskset -c 1 /usr/bin/python3 bench/tasks/pytorch_tasks.py")

SPAM = dict(embed=32, hidden=128, pool="max", dropout=0.3, embed_dropout=0.0, class_weights=False, classes=2, batch=32, lr=2e-3, clip=1.0, epochs=6, patience=2,
            shuffle_seed=1000, max_tokens=256)
BIRTHS = dict(features=3, hidden=64, horizon=28, lookback=56, batch=64, lr=1e-3, epochs=40, shuffle_seed=2000)


# ------------------------------------------------------------------------------------------ mulberry32 ----

def mulberry32(seed):
    """The generator of bench/tasks/data.mjs: floats in [0, 1)."""
    a = seed & 0xFFFFFFFF

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(a ^ (a >> 15), 1 | a)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rand


def permutation(n, seed):
    rand = mulberry32(seed)
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = math.floor(rand() * (i + 1))
        p[i], p[j] = p[j], p[i]
    return p


# ------------------------------------------------------------------------------------------------ data ----

def load_cache(max_tokens):
    files = [os.path.join(CACHE, f) for f in ("spam.json", "births.json")]
    spam = None
    if all(os.path.exists(f) for f in files):
        with open(files[0]) as f:
            spam = json.load(f)
    if spam is None or spam["settings"]["maxTokens"] != max_tokens or "val" not in spam:
        print(f"writing bench/tasks/cache (node bench/tasks/data.mjs --export --max-tokens {max_tokens})", file=sys.stderr)
        subprocess.run(["node", os.path.join(HERE, "data.mjs"), "--export", "--max-tokens", str(max_tokens)], check=True, cwd=ROOT)
        with open(files[0]) as f:
            spam = json.load(f)
    with open(files[1]) as f:
        births = json.load(f)
    # the split is the documented permutation: check that Python's mulberry32 reproduces it
    p = permutation(len(spam["labels"]), spam["settings"]["seed"])
    n_test = math.floor(len(p) * spam["settings"]["testFraction"])
    assert p[:n_test] == spam["test"] and p[n_test:] == spam["train"], "mulberry32 split differs from data.mjs"
    train = spam["train"]
    vp = permutation(len(train), spam["settings"]["valSeed"])
    n_val = math.floor(len(train) * spam["settings"]["valFraction"])
    assert [train[k] for k in vp[:n_val]] == spam["val"] and [train[k] for k in vp[n_val:]] == spam["fit"], \
        "mulberry32 validation split differs from data.mjs"
    return spam, births


# ---------------------------------------------------------------------------------------------- models ----

class SpamClassifier(nn.Module):
    def __init__(self, vocab, pool=None, dropout=0.0, embed_dropout=0.0):
        super().__init__()
        self.pool = pool or SPAM["pool"]
        self.emb = nn.Embedding(vocab, SPAM["embed"])
        self.rnn = nn.LSTM(SPAM["embed"], SPAM["hidden"], bidirectional=True)
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.emb_drop = nn.Dropout(embed_dropout) if embed_dropout > 0 else nn.Identity()
        self.fc = nn.Linear(2 * SPAM["hidden"], SPAM["classes"])

    def forward(self, ids, lengths):
        """ids [T, B] (time-major, 0-padded), lengths [B] -> logits [B, 2]."""
        x = self.emb_drop(self.emb(ids))
        packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
        y, _ = self.rnn(packed)
        y, _ = pad_packed_sequence(y, total_length=ids.shape[0])  # [T, B, 256], zeros after each length
        if self.pool == "mean":
            pooled = y.sum(0) / lengths.to(y.dtype).unsqueeze(1)
        else:  # "max" over each sequence's valid steps (padded steps excluded, not read as zeros)
            padded = torch.arange(ids.shape[0]).unsqueeze(1) >= lengths.unsqueeze(0)  # [T, B]
            pooled = y.masked_fill(padded.unsqueeze(2), float("-inf")).max(0).values
        return self.fc(self.drop(pooled))


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(BIRTHS["features"], BIRTHS["hidden"])
        self.fc = nn.Linear(BIRTHS["hidden"], BIRTHS["horizon"])

    def forward(self, x):
        """x [T, B, 3] -> [B, 28]."""
        y, _ = self.rnn(x)
        return self.fc(y[-1])


def spam_batch(ids, labels, idx):
    lengths = [len(ids[i]) for i in idx]
    T = max(lengths)
    x = torch.zeros((T, len(idx)), dtype=torch.long)
    for b, i in enumerate(idx):
        x[: lengths[b], b] = torch.tensor(ids[i], dtype=torch.long)
    return x, torch.tensor(lengths, dtype=torch.long), torch.tensor([labels[i] for i in idx], dtype=torch.long)


def births_batch(feat, z, origins, T, Hz):
    x = torch.stack([feat[o - T + 1: o + 1] for o in origins], dim=1)  # [T, B, 3]
    y = torch.stack([z[o + 1: o + 1 + Hz] for o in origins])          # [B, 28]
    return x, y


def binary_metrics(labels, preds):
    tp = sum(1 for y, p in zip(labels, preds) if p == 1 and y == 1)
    fp = sum(1 for y, p in zip(labels, preds) if p == 1 and y == 0)
    fn = sum(1 for y, p in zip(labels, preds) if p == 0 and y == 1)
    tn = len(labels) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return dict(accuracy=(tp + tn) / len(labels), precision=precision, recall=recall, f1=f1, tp=tp, fp=fp, fn=fn, tn=tn)


# ------------------------------------------------------------------------------------------------ spam ----

def spam_predict(model, ids, labels, idx_all):
    """Predicted classes and the mean cross-entropy of the messages idx_all (eval mode, batches of 128)."""
    preds, loss_sum = [], 0.0
    with torch.no_grad():
        for s in range(0, len(idx_all), 128):
            idx = idx_all[s: s + 128]
            x, lengths, y = spam_batch(ids, labels, idx)
            logits = model(x, lengths)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            preds.extend(logits.argmax(1).tolist())
    return preds, loss_sum / len(idx_all)


def spam_epoch(model, opt, ids, labels, indices, epoch, weight_t):
    """One epoch over `indices` in the seeded order of `epoch`; returns (mean loss, seconds, tokens)."""
    model.train()
    order = [indices[k] for k in permutation(len(indices), SPAM["shuffle_seed"] + epoch)]
    t0 = time.perf_counter()
    loss_sum, n_tok = 0.0, 0
    for s in range(0, len(order), SPAM["batch"]):
        idx = order[s: s + SPAM["batch"]]
        x, lengths, y = spam_batch(ids, labels, idx)
        loss = F.cross_entropy(model(x, lengths), y, weight=weight_t)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), SPAM["clip"])
        opt.step()
        loss_sum += loss.item() * len(idx)
        n_tok += int(lengths.sum())
    return loss_sum / len(order), time.perf_counter() - t0, n_tok


def run_spam(spam, epochs, dropout, embed_dropout, class_weights, patience, refit):
    """Trains on the training part minus the validation part, keeps the epoch with the best validation F1
    (the earliest on ties), stops after `patience` epochs without improvement; with `refit`, trains a fresh
    model (same seed) on the whole training part for that many epochs; evaluates the test part once."""
    torch.manual_seed(0)
    ids, labels, fit, val, test = spam["ids"], spam["labels"], spam["fit"], spam["val"], spam["test"]
    model = SpamClassifier(spam["vocabSize"], dropout=dropout, embed_dropout=embed_dropout)
    opt = torch.optim.Adam(model.parameters(), lr=SPAM["lr"], betas=(0.9, 0.999), eps=1e-8)
    n_spam = sum(labels[i] for i in fit)
    weights = [len(fit) / (2 * (len(fit) - n_spam)), len(fit) / (2 * n_spam)] if class_weights else None
    weight_t = torch.tensor(weights, dtype=torch.float32) if weights else None
    epoch_rows = []
    total = 0.0
    best, since = None, 0
    for epoch in range(epochs):
        train_loss, secs, n_tok = spam_epoch(model, opt, ids, labels, fit, epoch, weight_t)
        total += secs
        model.eval()
        vp, vloss = spam_predict(model, ids, labels, val)
        vm = binary_metrics([labels[i] for i in val], vp)
        improved = best is None or vm["f1"] > best[0]
        if improved:
            best, since = (vm["f1"], epoch + 1, {k: v.detach().clone() for k, v in model.state_dict().items()}), 0
        else:
            since += 1
        epoch_rows.append(dict(epoch=epoch + 1, trainLoss=train_loss, seconds=round(secs, 2),
                               tokensPerSecond=round(n_tok / secs), valLoss=vloss, val=vm))
        print(f"  spam epoch {epoch + 1}: train loss {train_loss:.4f}, {secs:.1f} s ({n_tok / secs:,.0f} tokens/s); "
              f"validation loss {vloss:.4f}, accuracy {vm['accuracy'] * 100:.2f} %, F1 {vm['f1']:.4f}{' *' if improved else ''}", flush=True)
        if since >= patience:
            break
    refit_row = None
    if refit:
        # a fresh model (same seed) on all the training messages, those naive Bayes sees, for the chosen epochs
        torch.manual_seed(0)
        model = SpamClassifier(spam["vocabSize"], dropout=dropout, embed_dropout=embed_dropout)
        opt = torch.optim.Adam(model.parameters(), lr=SPAM["lr"], betas=(0.9, 0.999), eps=1e-8)
        refit_row = dict(epochs=best[1], train=len(spam["train"]), rows=[], seconds=0.0)
        for epoch in range(best[1]):
            train_loss, secs, n_tok = spam_epoch(model, opt, ids, labels, spam["train"], epoch, weight_t)
            refit_row["rows"].append(dict(epoch=epoch + 1, trainLoss=train_loss, seconds=round(secs, 2), tokensPerSecond=round(n_tok / secs)))
            refit_row["seconds"] = round(refit_row["seconds"] + secs, 2)
            print(f"  spam refit epoch {epoch + 1}/{best[1]} on all {len(spam['train'])} training messages: train loss {train_loss:.4f}, {secs:.1f} s", flush=True)
    else:
        model.load_state_dict(best[2])
    model.eval()
    t0 = time.perf_counter()
    preds, _ = spam_predict(model, ids, labels, test)
    eval_secs = time.perf_counter() - t0
    m = binary_metrics([labels[i] for i in test], preds)
    n = len(epoch_rows)
    print(f"  spam test (epoch {best[1]} kept): accuracy {m['accuracy'] * 100:.2f} %, precision {m['precision'] * 100:.2f} %, "
          f"recall {m['recall'] * 100:.2f} %, F1 {m['f1']:.4f}; training {total:.1f} s, {n} epochs")
    settings = {**SPAM, "epochs": epochs, "patience": patience, "dropout": dropout, "embedDropout": embed_dropout, "classWeights": weights, "maxTokens": spam["settings"]["maxTokens"],
                "vocab": spam["vocabSize"], "train": len(fit), "validation": len(val)}
    settings.pop("max_tokens", None)
    settings.pop("embed_dropout", None)
    settings.pop("class_weights", None)
    return dict(settings=settings, bestEpoch=best[1], validation=epoch_rows[best[1] - 1]["val"], test=m, epochs=epoch_rows, refit=refit_row,
                trainSeconds=round(total, 2), secondsPerEpoch=round(total / n, 2), evalSeconds=round(eval_secs, 2),
                params=sum(p.numel() for p in model.parameters()))


# ---------------------------------------------------------------------------------------------- births ----

def run_births(births, epochs):
    torch.manual_seed(0)
    T, Hz, B = BIRTHS["lookback"], BIRTHS["horizon"], BIRTHS["batch"]
    feat = torch.tensor(births["features"], dtype=torch.float32).reshape(-1, 3)
    z = feat[:, 0].clone()
    series = births["births"]
    mean, std = births["mean"], births["std"]
    w = births["windows"]
    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=BIRTHS["lr"], betas=(0.9, 0.999), eps=1e-8)

    def mae(origins):
        model.eval()
        with torch.no_grad():
            x, _ = births_batch(feat, z, origins, T, Hz)
            pred = model(x) * std + mean
        per_h = [0.0] * Hz
        for k, o in enumerate(origins):
            for h in range(Hz):
                per_h[h] += abs(pred[k, h].item() - series[o + 1 + h])
        per_h = [v / len(origins) for v in per_h]
        return sum(per_h) / Hz, per_h

    best = (math.inf, None, 0)
    epoch_rows = []
    total = 0.0
    for epoch in range(epochs):
        model.train()
        order = [w["train"][k] for k in permutation(len(w["train"]), BIRTHS["shuffle_seed"] + epoch)]
        t0 = time.perf_counter()
        loss_sum = 0.0
        for s in range(0, len(order), B):
            idx = order[s: s + B]
            x, y = births_batch(feat, z, idx, T, Hz)
            loss = F.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        secs = time.perf_counter() - t0
        total += secs
        val, _ = mae(w["val"])
        epoch_rows.append(dict(epoch=epoch + 1, trainLoss=loss_sum / len(order), valMAE=round(val, 2), seconds=round(secs, 3)))
        if val < best[0]:
            best = (val, {k: v.clone() for k, v in model.state_dict().items()}, epoch + 1)
        if (epoch + 1) % 5 == 0 or epoch == 0:
            print(f"  births epoch {epoch + 1}: train MSE {loss_sum / len(order):.4f}, 2013 MAE {val:.1f}, {secs:.2f} s", flush=True)
    model.load_state_dict(best[1])
    test, per_h = mae(w["test"])
    print(f"  births 2014 (epoch {best[2]}, 2013 MAE {best[0]:.1f}): MAE {test:.1f} (h=1 {per_h[0]:.1f}, h=7 {per_h[6]:.1f}, "
          f"h=28 {per_h[27]:.1f}); training {total:.1f} s")
    return dict(settings={**BIRTHS, "epochs": epochs}, bestEpoch=best[2], valMAE=round(best[0], 2),
                test=dict(mae=round(test, 2), perHorizon=[round(v, 2) for v in per_h]), epochs=epoch_rows,
                trainSeconds=round(total, 2), secondsPerEpoch=round(total / epochs, 3),
                params=sum(p.numel() for p in model.parameters()))


# ------------------------------------------------------------------------------------------- W5 and W6 ----

def time_steps(warmup=10, steps=100):
    """One training step of W5 (spam model, vocabulary 100, B 32, lengths 8..64) and W6 (births model, B 64)."""
    g = torch.Generator().manual_seed(1)
    rows = []

    torch.manual_seed(0)
    w5 = SpamClassifier(100, pool="mean")
    opt5 = torch.optim.Adam(w5.parameters(), lr=SPAM["lr"])
    lengths = torch.tensor(w5_lengths())  # bench/common.mjs's lengths: 1,040 tokens, as every peer's W5
    ids = torch.randint(1, 100, (64, 32), generator=g)
    for b in range(32):
        ids[lengths[b]:, b] = 0
    y5 = torch.randint(0, 2, (32,), generator=g)

    def step5():
        loss = F.cross_entropy(w5(ids, lengths), y5)
        opt5.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(w5.parameters(), SPAM["clip"])
        opt5.step()

    torch.manual_seed(0)
    w6 = Forecaster()
    opt6 = torch.optim.Adam(w6.parameters(), lr=BIRTHS["lr"])
    x6 = torch.rand((56, 64, 3), generator=g) * 2 - 1
    y6 = torch.rand((64, 28), generator=g) * 2 - 1

    def step6():
        loss = F.mse_loss(w6(x6), y6)
        opt6.zero_grad()
        loss.backward()
        opt6.step()

    for name, step, tokens in (("W5", step5, int(lengths.sum())), ("W6", step6, 56 * 64)):
        for _ in range(warmup):
            step()
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1e3)
        med = statistics.median(times)
        print(f"  {name}: median {med:.3f} ms per step (min {min(times):.3f}, max {max(times):.3f}, n {len(times)})")
        base = dict(workload=name, peer="pytorch", variant="native, 1 thread, OpenBLAS, stored", threads=1)
        rows.append({**base, "unit": "ms", "median": round(med, 3), "min": round(min(times), 3), "max": round(max(times), 3), "n": len(times)})
        rows.append({**base, "unit": "tokens/s", "median": round(tokens / med * 1e3, 1), "min": round(tokens / max(times) * 1e3, 1),
                     "max": round(tokens / min(times) * 1e3, 1), "n": len(times)})
    return rows


# ------------------------------------------------- W5 / W6 on the benchmark's own weights and inputs ----

def fill_uniform(n, seed, lo=-1.0, hi=1.0):
    """bench/common.mjs fillUniform: xorshift32, float32 values."""
    import numpy as np
    s = (seed & 0xFFFFFFFF) or 1
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[i] = lo + (hi - lo) * (s / 4294967296)
    return out


def w5_lengths():
    """bench/common.mjs w5Lengths: 8 + floor(57 u) (seed 21), the first one 64."""
    u = fill_uniform(32, 21, 0.0, 1.0)
    lengths = [8 + min(56, math.floor(float(x) * 57)) for x in u]
    lengths[0] = 64
    return lengths


def fill_ids(n, seed, k):
    u = fill_uniform(n, seed, 0.0, 1.0)
    return [min(k - 1, math.floor(float(x) * k)) for x in u]


def read_weights(name):
    import numpy as np
    with open(os.path.join(ROOT, "bench", "models", f"{name}.json")) as f:
        index = json.load(f)["tensors"]
    data = np.fromfile(os.path.join(ROOT, "bench", "models", f"{name}.bin"), dtype="<f4")
    return {k: torch.from_numpy(data[v["offset"]: v["offset"] + v["length"]].copy()).reshape(v["shape"]) for k, v in index.items()}


def check_workloads():
    """The first two training losses of W5 and W6 with bench/models' weights and bench/common.mjs's inputs
    (the figures every peer's first loss is compared with in npm run bench). Needs bench/models (npm run bench
    writes it)."""
    out = {}
    lengths = w5_lengths()
    raw = fill_ids(64 * 32, 22, 99)
    ids = torch.tensor([[raw[t * 32 + b] + 1 if t < lengths[b] else 0 for b in range(32)] for t in range(64)])
    y5 = torch.tensor(fill_ids(32, 23, 2))
    w5 = SpamClassifier(100, pool="mean")
    w5.load_state_dict(read_weights("w5_bilstm"))
    opt5 = torch.optim.Adam(w5.parameters(), lr=SPAM["lr"], eps=1e-8)
    losses = []
    for _ in range(2):
        loss = F.cross_entropy(w5(ids, torch.tensor(lengths)), y5)
        opt5.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(w5.parameters(), SPAM["clip"])
        opt5.step()
        losses.append(loss.item())
    out["W5"] = losses
    x6 = torch.from_numpy(fill_uniform(56 * 64 * 3, 24)).reshape(56, 64, 3)
    y6 = torch.from_numpy(fill_uniform(64 * 28, 25)).reshape(64, 28)
    w6 = Forecaster()
    w6.load_state_dict(read_weights("w6_lstm"))
    opt6 = torch.optim.Adam(w6.parameters(), lr=BIRTHS["lr"], eps=1e-8)
    losses = []
    for _ in range(2):
        loss = F.mse_loss(w6(x6), y6)
        opt6.zero_grad()
        loss.backward()
        opt6.step()
        losses.append(loss.item())
    out["W6"] = losses
    for k, v in out.items():
        print(f"  {k}: first losses {v[0]:.9f}, {v[1]:.9f} (bench/models weights, bench/common.mjs inputs)")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="spam,births,steps")
    ap.add_argument("--epochs-spam", type=int, default=SPAM["epochs"])
    ap.add_argument("--epochs-births", type=int, default=BIRTHS["epochs"])
    ap.add_argument("--max-tokens", type=int, default=SPAM["max_tokens"], help="spam: tokens kept per message")
    ap.add_argument("--dropout", type=float, default=SPAM["dropout"], help="spam: dropout before the head")
    ap.add_argument("--embed-dropout", type=float, default=SPAM["embed_dropout"], help="spam: dropout on the embeddings")
    ap.add_argument("--class-weights", action=argparse.BooleanOptionalAction, default=SPAM["class_weights"],
                    help="spam: balanced class weights in the loss")
    ap.add_argument("--patience", type=int, default=SPAM["patience"], help="spam: early-stopping patience (epochs)")
    ap.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True,
                    help="spam: after early stopping, train a fresh model on the whole training part for the chosen epochs")
    ap.add_argument("--out", default=os.path.join(HERE, "pytorch-tasks.json"))
    args = ap.parse_args()
    only = set(args.only.split(","))

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.set_default_dtype(torch.float32)

    spam, births = load_cache(args.max_tokens)
    source = f"PyTorch {torch.__version__}, Python {platform.python_version()}, {torch.get_num_threads()} thread, {blas_summary()}"
    print(source)
    out = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            out = json.load(f)
    run = dict(source=source, machine=machine(), date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               command=COMMAND + ("" if args.only == "spam,births,steps" else f" --only {args.only}"),
               loadAverageAtStart=[round(x, 2) for x in os.getloadavg()])
    if only >= {"spam", "births", "steps"}:
        out.update(run)  # a partial run (--only) records its own source, date and command inside its part
    if "spam" in only:
        out["spam"] = run_spam(spam, args.epochs_spam, args.dropout, args.embed_dropout, args.class_weights, args.patience, args.refit)
        if not only >= {"spam", "births", "steps"}:
            out["spam"]["run"] = {**run, "loadAverageAtEnd": [round(x, 2) for x in os.getloadavg()]}
    if "births" in only:
        out["births"] = run_births(births, args.epochs_births)
    if "steps" in only:
        out["rows"] = time_steps()
        if os.path.exists(os.path.join(ROOT, "bench", "models", "w5_bilstm.json")):
            out["workloadLosses"] = check_workloads()
    if only >= {"spam", "births", "steps"}:
        out["loadAverageAtEnd"] = [round(x, 2) for x in os.getloadavg()]
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
