# Writes the ONNX files of bench/onnx.mjs: a character LM as PyTorch users write it (Embedding → 2-layer LSTM →
# Linear), exported by torch.onnx.export (opset 14, T and B dynamic), so its glue is the exporter's own (Gather,
# Slice, Concat, Squeeze, MatMul + Add), at two sizes: lm_lstm_2l_h16.onnx (V 20, E 8, H 16: the sizes of
# test/fixtures/interop/onnx/torch_lm_lstm_2l) and lm_lstm_2l_h160.onnx (V 64, E 32, H 160). The weights come
# from bench/common.mjs's fillUniform (xorshift32), seeded 100 + k for the k-th parameter of the state_dict, in
# [-1/sqrt(H), 1/sqrt(H)): the benchmark builds the same model natively (LanguageModel.loadTorchParams) from the
# same generator, without a weight file.
#
#   /usr/bin/python3 bench/torch-onnx/export_lm.py     (PyTorch 1.13; the results are committed, 1.4 MB in all)
import math
import os

import torch
from torch import nn

L = 2
SIZES = [(20, 8, 16), (64, 32, 160)]  # (V, E, H)


def fill_uniform(n, seed, lo, hi):
    """bench/common.mjs fillUniform: lo + (hi - lo) * s / 2^32 for xorshift32 s (rounded to float32 by torch)."""
    s = (seed & 0xFFFFFFFF) or 1
    out = []
    for _ in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out.append(lo + (hi - lo) * (s / 4294967296))
    return out


class LM(nn.Module):
    def __init__(self, V, E, H):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, H, num_layers=L)
        self.fc = nn.Linear(H, V)

    def forward(self, tokens, h0, c0):
        y, (h, c) = self.rnn(self.embedding(tokens), (h0, c0))
        return self.fc(y), h, c


def export(V, E, H):
    model = LM(V, E, H).eval()
    a = 1 / math.sqrt(H)
    with torch.no_grad():
        for k, (name, p) in enumerate(model.state_dict().items()):
            p.copy_(torch.tensor(fill_uniform(p.numel(), 100 + k, -a, a), dtype=torch.float32).reshape(p.shape))
    T, B = 8, 2
    args = (torch.zeros(T, B, dtype=torch.long), torch.zeros(L, B, H), torch.zeros(L, B, H))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"lm_lstm_2l_h{H}.onnx")
    torch.onnx.export(
        model, args, out, opset_version=14,
        input_names=["tokens", "h0", "c0"], output_names=["logits", "hN", "cN"],
        dynamic_axes={"tokens": {0: "T", 1: "B"}, "h0": {1: "B"}, "c0": {1: "B"}},
    )
    print(out, os.path.getsize(out), "bytes;", ", ".join(model.state_dict().keys()))


def main():
    for V, E, H in SIZES:
        export(V, E, H)


if __name__ == "__main__":
    main()
