"""Parity driver for the visual-prompting pipeline (src/engine/parity/vpPipeline.test.ts).

    /usr/bin/python3 python/scripts/parity_vp.py EXCHANGE_DIR

Reads EXCHANGE_DIR/in (see autovp.exchange): meta describes the model folder, the geometry and
the cases; tensors are the base images "images_<b>" [B, b, b, 3] (NHWC, [0, 1]) for each base
side b the cases use, labels [B], the starting
prompt δ [C, C, 3] and FullyMap weight [S, T] / bias [T]. Writes EXCHANGE_DIR/out with, per case:
prompted input (NHWC), source logits, assignment (index maps), mapped logits, loss, gradients of
every trainable tensor, and, for each optimiser step, the loss and raw gradients it started from
and the trainable tensors after it, so the test can compare them all with the engine's.
With meta.gradients = false, only the forward quantities and the loss.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autovp.exchange import read_folder, write_folder  # noqa: E402
from autovp.tfjs_to_torch import load_tfjs_layers_model  # noqa: E402
from autovp.vp_reference import (  # noqa: E402
    VisualPromptReference, cross_entropy, freq_assignment_from_predictions, make_optimizer)

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def to_np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()  # a copy: parameters keep changing in place


def build(meta: dict, case: dict, network, tensors: dict, dtype) -> VisualPromptReference:
    model = VisualPromptReference(
        network, canvas=meta["canvas"], base=case["base"], input_scale=case["input_scale"],
        trainable_resize=case["trainable_resize"], value_range=case.get("value_range", (0.0, 1.0)),
        mean=case.get("mean"), std=case.get("std"), mapping=case["mapping"],
        num_source=meta["num_source"], num_target=meta["num_target"], dtype=dtype)
    with torch.no_grad():
        model.delta.copy_(torch.from_numpy(tensors["delta"]).to(dtype))
        if model.weight is not None:
            model.weight.copy_(torch.from_numpy(tensors["weight"]).to(dtype))
            model.bias.copy_(torch.from_numpy(tensors["bias"]).to(dtype))
    return model


def gradients(model: VisualPromptReference, x: torch.Tensor, y: torch.Tensor):
    for p in model.trainable().values():
        p.grad = None
    loss = cross_entropy(model(x), y)
    loss.backward()
    return loss, {name: p.grad.detach().clone() for name, p in model.trainable().items()}


def main(folder: str) -> None:
    started = time.time()
    torch.set_num_threads(1)
    tensors, meta = read_folder(os.path.join(folder, "in"))
    dtype = DTYPES[meta.get("dtype", "float32")]
    net = load_tfjs_layers_model(meta["model_dir"], dtype=dtype)
    output = meta["source_output"]

    def network(x: torch.Tensor) -> torch.Tensor:
        return net(x, [output])[output].reshape(x.shape[0], -1)

    y = torch.from_numpy(tensors["labels"]).long()
    out = {}
    for case in meta["cases"]:
        name = case["name"]
        x = torch.from_numpy(tensors[f"images_{case['base']}"]).permute(0, 3, 1, 2).to(dtype)
        model = build(meta, case, network, tensors, dtype)
        with torch.no_grad():
            out[f"{name}/prompted"] = to_np(model.prompted(x).permute(0, 2, 3, 1))
            source = model.source_logits(x)
        out[f"{name}/source_logits"] = to_np(source)
        if case["mapping"] != "fully":
            preds = source.argmax(dim=1).numpy()
            model.assignment = freq_assignment_from_predictions(
                preds, tensors["labels"], meta["num_source"], meta["num_target"], case["k"])
            out[f"{name}/assignment"] = np.array(model.assignment, dtype=np.int32)
        with torch.no_grad():
            out[f"{name}/logits"] = to_np(model(x))
        out[f"{name}/image_size"] = np.array([model.image_size()], dtype=np.int32)
        if not meta.get("gradients", True):
            with torch.no_grad():
                out[f"{name}/loss"] = to_np(cross_entropy(model(x), y)).reshape(1)
            continue
        loss, grads = gradients(model, x, y)
        out[f"{name}/loss"] = to_np(loss).reshape(1)
        for g, v in grads.items():
            out[f"{name}/grad/{g}"] = to_np(v).reshape(-1) if g == "scale" else to_np(v)

        start = {n: p.detach().clone() for n, p in model.trainable().items()}
        for opt in meta["optimizers"]:
            with torch.no_grad():
                for n, p in model.trainable().items():
                    p.copy_(start[n])
            optimizer = make_optimizer(list(model.trainable().values()), opt["kind"], opt["lr"],
                                       opt.get("weight_decay", 0.0), opt.get("momentum", 0.0))
            for step in range(1, int(meta.get("steps", 1)) + 1):
                optimizer.zero_grad()
                loss = cross_entropy(model(x), y)
                loss.backward()
                prefix = f"{name}/{opt['name']}/step{step}"
                for n, p in model.trainable().items():  # raw gradients: weight decay is applied inside step()
                    out[f"{prefix}/grad/{n}"] = to_np(p.grad).reshape(-1) if n == "scale" else to_np(p.grad)
                optimizer.step()
                model.clamp_scale()
                out[f"{prefix}/loss"] = to_np(loss).reshape(1)
                for n, p in model.trainable().items():
                    out[f"{prefix}/{n}"] = to_np(p).reshape(-1) if n == "scale" else to_np(p)
    write_folder(os.path.join(folder, "out"), out, {"seconds": time.time() - started, "torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1])
