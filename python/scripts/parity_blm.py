"""Parity driver for BLM / BLM+ (src/engine/parity/bayesianMapping.test.ts).

    /usr/bin/python3 python/scripts/parity_blm.py EXCHANGE_DIR

EXCHANGE_DIR/in (see autovp.exchange): meta {model_dir, source_output, canvas, num_source, lr,
cases: [{name, kind, num_target, base, input_scale, value_range, mean, std}],
fixed: [{name, kind, num_source, num_target}]}; tensors "images" [N, b, b, 3] (NHWC, [0, 1]),
"delta" [C, C, 3], "<case>/labels" [N], and for each fixed case "<fixed>/logits" [N, S] and
"<fixed>/labels" [N].

Writes EXCHANGE_DIR/out: "<fixed>/omega" (ω from the given logits alone), and per case the
source logits of the prompted network, ω counted from them, the loss and prompt gradient of one
step with that ω, and the prompt after one Adam step.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp import blm  # noqa: E402
from autovp.exchange import read_folder, write_folder  # noqa: E402
from autovp.tfjs_to_torch import load_tfjs_layers_model  # noqa: E402
from autovp.vp_reference import VisualPromptReference, cross_entropy, make_optimizer  # noqa: E402


def to_np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


def main(folder: str) -> None:
    torch.set_num_threads(1)
    tensors, meta = read_folder(os.path.join(folder, "in"))
    out = {}
    for f in meta["fixed"]:
        logits = torch.from_numpy(tensors[f"{f['name']}/logits"])
        labels = torch.from_numpy(tensors[f"{f['name']}/labels"])
        out[f"{f['name']}/omega"] = to_np(blm.omega_from_logits(f["kind"], logits, labels, f["num_target"]))

    net = load_tfjs_layers_model(meta["model_dir"])
    output = meta["source_output"]

    def network(x: torch.Tensor) -> torch.Tensor:
        return net(x, [output])[output].reshape(x.shape[0], -1)

    x = torch.from_numpy(tensors["images"]).permute(0, 3, 1, 2)
    for case in meta["cases"]:
        name, kind, num_target = case["name"], case["kind"], case["num_target"]
        y = torch.from_numpy(tensors[f"{name}/labels"]).long()
        model = VisualPromptReference(
            network, canvas=meta["canvas"], base=case["base"], input_scale=case["input_scale"],
            trainable_resize=False, value_range=case["value_range"], mean=case.get("mean"), std=case.get("std"),
            mapping=kind, num_source=meta["num_source"], num_target=num_target)
        with torch.no_grad():
            model.delta.copy_(torch.from_numpy(tensors["delta"]))
            source = model.source_logits(x)
        model.omega = blm.omega_from_logits(kind, source, y, num_target)
        out[f"{name}/source_logits"] = to_np(source)
        out[f"{name}/omega"] = to_np(model.omega)

        optimizer = make_optimizer([model.delta], "adam", meta["lr"])
        optimizer.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        out[f"{name}/loss"] = to_np(loss).reshape(1)
        out[f"{name}/grad/delta"] = to_np(model.delta.grad)
        optimizer.step()
        out[f"{name}/adam/delta"] = to_np(model.delta)
    write_folder(os.path.join(folder, "out"), out, {"torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1])
