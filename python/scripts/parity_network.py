"""Parity driver for frozen networks (src/engine/parity/*.test.ts).

    /usr/bin/python3 python/scripts/parity_network.py EXCHANGE_DIR

EXCHANGE_DIR/in: meta {model_dir, outputs: [layer names], grad_output: name or null,
dtype: float32|float64}; tensors: images [B, H, W, C] (NHWC, the model's value range) and, with
grad_output, grad_weights shaped like that output (Keras layout). Writes EXCHANGE_DIR/out:
every requested output in Keras layout (NHWC for maps) and, with grad_output, "input_grad"
[B, H, W, C] = ∂ Σ(grad_weights ⊙ output) / ∂ images.
"""

from __future__ import annotations

import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.exchange import read_folder, write_folder  # noqa: E402
from autovp.tfjs_to_torch import keras_layout, load_tfjs_layers_model  # noqa: E402

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def main(folder: str) -> None:
    torch.set_num_threads(1)
    tensors, meta = read_folder(os.path.join(folder, "in"))
    dtype = DTYPES[meta.get("dtype", "float32")]
    started = time.time()
    net = load_tfjs_layers_model(meta["model_dir"], dtype=dtype)
    x = torch.from_numpy(tensors["images"]).to(dtype).permute(0, 3, 1, 2).contiguous()
    grad_output = meta.get("grad_output")
    x.requires_grad_(grad_output is not None)
    wanted = list(meta["outputs"])
    if grad_output is not None and grad_output not in wanted:
        wanted.append(grad_output)
    with torch.set_grad_enabled(grad_output is not None):
        values = net(x, wanted)
    out = {name: keras_layout(v).detach().contiguous().numpy() for name, v in values.items() if name in meta["outputs"]}
    if grad_output is not None:
        w = torch.from_numpy(tensors["grad_weights"]).to(dtype)
        (keras_layout(values[grad_output]) * w).sum().backward()
        out["input_grad"] = x.grad.permute(0, 2, 3, 1).contiguous().numpy()
    write_folder(os.path.join(folder, "out"), out, {"seconds": time.time() - started, "torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1])
